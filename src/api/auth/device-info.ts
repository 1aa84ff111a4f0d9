/**
 * What a session list shows about a device, guessed from the User-Agent: enough for a person to
 * recognise "Firefox on Linux", nothing more (a full UA parser is not worth a dependency here).
 * `family` is the id of the first session of the login; every refresh copies it, so revoking a
 * stolen family finds all its descendants.
 */
export interface DeviceInfo {
  family: string
  browser?: string
  os?: string
  mobile?: boolean
}

// Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/\bPostmanRuntime\//, 'Postman'],
  [/^node-fetch|^undici|^axios|^got\b/, 'Node.js client'],
  [/^python-requests|^python-httpx|^aiohttp/, 'Python client'],
]

const SYSTEMS: Array<[RegExp, string]> = [
  [/\bAndroid\b/, 'Android'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
]

/** The device info stored with a session of `family`. */
export function deviceInfo(family: string, userAgent: string | undefined): DeviceInfo {
  const info: DeviceInfo = { family }
  if (userAgent === undefined) return info
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1]
  const os = SYSTEMS.find(([re]) => re.test(userAgent))?.[1]
  if (browser !== undefined) info.browser = browser
  if (os !== undefined) info.os = os
  if (/\bMobile\b|\bAndroid\b|\biPhone\b/.test(userAgent)) info.mobile = true
  return info
}

/** The family recorded in a session's device info (older rows without one are their own family). */
export function familyOf(session: { id: string; deviceInfo: unknown }): string {
  const info = session.deviceInfo
  if (typeof info === 'object' && info !== null && 'family' in info && typeof info.family === 'string') return info.family
  return session.id
}
