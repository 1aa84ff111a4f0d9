# syntax=docker/dockerfile:1
# did-edge production image: build with dev dependencies, run with production ones only.
#
#   docker build -t did-edge .
#   docker run --rm -p 3000:3000 -e DATABASE_URL=... -e REDIS_URL=... -e PUBLIC_BASE_URL=... \
#     -e TWILIO_AUTH_TOKEN=... -e JWT_SECRET=... did-edge             # the server
#   docker run ... did-edge node dist/src/worker.js                 # an ingest worker
#
# An official Node LTS image, slim Debian. Node 24 is the supported LTS line (Node 20 reached its
# end of life in April 2026); override with --build-arg NODE_IMAGE=... to pin a patch version or
# a digest.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The Prisma CLI wants a schema-engine binary only to exist for `generate` (it never runs it);
# pointing it at node keeps the build offline-safe (see scripts/prisma-generate.mjs).
ENV PRISMA_SCHEMA_ENGINE_BINARY=/usr/local/bin/node \
    CHECKPOINT_DISABLE=1
# Dependencies first, so editing the sources does not reinstall them. `npm ci` runs the
# postinstall (scripts/prisma-generate.mjs), which needs the schema and prisma.config.ts, and
# writes the Prisma client to src/generated/prisma (the build context never carries one).
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routing ./routing
# tsc compiles src/ (the generated client included) and routing/ to dist/; then the dev
# dependencies leave node_modules. --omit=optional too: the Prisma CLI and TypeScript are also
# optional peers of @prisma/client, which `--omit=dev` alone keeps (about 250 MB). No production
# dependency needs an optional package (the only one, pg-cloudflare, is for Cloudflare Workers).
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
WORKDIR /app
# Root-owned and read-only to the process: the code cannot be modified by what it runs. Only
# DATA_DIR (the embedded database, when no DATABASE_URL is set) is writable.
# package.json: ESM ("type": "module") and the project root that locates prisma/migrations.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
RUN mkdir -p /app/data && chown node:node /app/data
# The image's unprivileged user (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm, not a shell) so SIGTERM reaches the process and shutdown drains
# in-flight work. METRICS_PORT, when set, serves /metrics on its own port (publish it only to
# Prometheus).
CMD ["node", "dist/src/server.js"]
