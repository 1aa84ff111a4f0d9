// The Grafana dashboards and their provisioning: valid JSON, unique panel ids, every panel on
// the provisioned Prometheus datasource with at least one query, and every query filtered by the
// job and instance template variables.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ROOT, readDashboards } from './promql.js'

const EXPECTED = ['api.json', 'cache.json', 'ingest.json', 'node-process.json', 'outbound.json', 'webhooks.json']

async function provisionedDatasource() {
  const file = parse(await readFile(path.join(ROOT, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
    apiVersion: number
    datasources: { name: string; uid: string; type: string; url: string }[]
  }
  return file
}

t.test('the datasource provisioning declares one Prometheus datasource with a fixed uid', async (t) => {
  const file = await provisionedDatasource()
  t.equal(file.apiVersion, 1)
  t.equal(file.datasources.length, 1)
  t.match(file.datasources[0], { type: 'prometheus', uid: 'prometheus', url: /^http:\/\/prometheus:9090$/ })
})

t.test('the dashboard provisioning loads a folder of JSON files', async (t) => {
  const file = parse(await readFile(path.join(ROOT, 'grafana/provisioning/dashboards/did-edge.yml'), 'utf8')) as {
    apiVersion: number
    providers: { type: string; folder: string; options: { path: string } }[]
  }
  t.equal(file.apiVersion, 1)
  t.equal(file.providers.length, 1)
  t.match(file.providers[0], { type: 'file', folder: 'did-edge', options: { path: /^\/etc\/grafana\/dashboards\/did-edge$/ } })
})

t.test('each dashboard is valid JSON with unique panel ids, a datasource and queries on every panel', async (t) => {
  const dashboards = await readDashboards()
  t.same(dashboards.map((d) => d.file), EXPECTED, 'webhooks, ingest, cache, API, outbound webhooks and Node process')
  const { uid } = (await provisionedDatasource()).datasources[0] as { uid: string }
  const uids = new Set<string>()
  for (const { file, json } of dashboards) {
    t.test(file, async (t) => {
      t.type(json.uid, 'string', 'has a uid')
      t.notOk(uids.has(json.uid as string), 'its uid is unique')
      uids.add(json.uid as string)
      t.type(json.title, 'string')
      const panels = json.panels ?? []
      t.ok(panels.length >= 4, `${panels.length} panels`)
      const ids = panels.map((p) => p.id)
      t.ok(ids.every((id) => Number.isInteger(id)), 'every panel has a numeric id')
      t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
      for (const panel of panels) {
        const where = `panel ${panel.id} "${panel.title}"`
        t.match(panel.datasource, { type: 'prometheus', uid }, `${where}: on the provisioned datasource`)
        t.ok((panel.targets ?? []).length > 0, `${where}: has queries`)
        const refIds = (panel.targets ?? []).map((target) => target.refId)
        t.equal(new Set(refIds).size, refIds.length, `${where}: query refIds are unique`)
        for (const target of panel.targets ?? []) {
          t.match(target.datasource, { type: 'prometheus', uid }, `${where} ${target.refId}: on the provisioned datasource`)
          t.match(target.expr, /job=~"\$job"/, `${where} ${target.refId}: filtered by $job`)
          t.match(target.expr, /instance=~"\$instance"/, `${where} ${target.refId}: filtered by $instance`)
        }
        const { x, y, w, h } = panel.gridPos ?? { x: -1, y: -1, w: 0, h: 0 }
        t.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${where}: fits the 24-column grid`)
      }
      const overlapping = panels.flatMap((a, i) =>
        panels.slice(i + 1).flatMap((b) => {
          const [p, q] = [a.gridPos, b.gridPos]
          if (!p || !q) return []
          const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y
          return apart ? [] : [`${a.id} and ${b.id}`]
        }),
      )
      t.same(overlapping, [], 'no two panels overlap')
      const variables = json.templating?.list ?? []
      t.same(variables.map((v) => v.name), ['job', 'instance'], 'template variables job and instance')
      for (const variable of variables) t.match(variable.datasource, { type: 'prometheus', uid })
    })
  }
})
