/**
 * Date values as Go's time.Time: `String()` (what `{{.Created}}` prints), RFC 3339 with trimmed nanoseconds
 * (what `json` emits), and the layout-based `Format` plus a few accessors reachable from templates
 * (`{{.Created.Format "2006-01-02"}}`, `{{.Created.Unix}}`). Dates carry no zone, so everything is UTC.
 */
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** Go's zero time, which an invalid Date stands for. */
const ZERO_TIME_MS = utcMs(1, 0, 1);

/** Date.UTC without its 1900 offset for years 0–99. */
function utcMs(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

function ms(d: Date): number {
  const t = d.getTime();
  return Number.isNaN(t) ? ZERO_TIME_MS : t;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Go's `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, here always `+0000 UTC`. */
export function formatGoTime(d: Date): string {
  return formatGoLayout(d, '2006-01-02 15:04:05.999999999 -0700 MST');
}

/** Go's time.RFC3339Nano, as encoding/json writes a time.Time. */
export function formatRfc3339Nano(d: Date): string {
  return formatGoLayout(d, '2006-01-02T15:04:05.999999999Z07:00');
}

// Longest tokens first, so `January` wins over `Jan` and `2006` over `2`.
const TOKENS = [
  'January', 'Monday', '-07:00:00', 'Z07:00:00', '-070000', 'Z070000', '-07:00', 'Z07:00', '-0700', 'Z0700', '2006', '__2', '002',
  'Jan', 'Mon', 'MST', '-07', 'Z07', '01', '02', '_2', '03', '04', '05', '06', '15', 'PM', 'pm', '1', '2', '3', '4', '5',
];

/** Go's `t.Format(layout)` in UTC. */
export function formatGoLayout(d: Date, layout: string): string {
  const t = new Date(ms(d));
  const year = t.getUTCFullYear();
  const hour = t.getUTCHours();
  const yday = Math.round((utcMs(year, t.getUTCMonth(), t.getUTCDate()) - utcMs(year, 0, 1)) / 86_400_000) + 1;
  const nanos = t.getUTCMilliseconds() * 1_000_000;
  let out = '';
  for (let i = 0; i < layout.length; ) {
    // Fractional seconds: ".000" or ",999" right after a seconds field.
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac !== null) {
      const digits = frac[1] ?? '';
      let f = pad(nanos, 9).slice(0, digits.length);
      if (digits.startsWith('9')) f = f.replace(/0+$/, '');
      out += f === '' ? '' : (frac[0][0] ?? '.') + f;
      i += frac[0].length;
      continue;
    }
    const token = TOKENS.find((tk) => layout.startsWith(tk, i));
    if (token === undefined) {
      out += layout[i];
      i++;
      continue;
    }
    out += formatToken(token, t, hour, yday);
    i += token.length;
  }
  return out;
}

function formatToken(token: string, t: Date, hour: number, yday: number): string {
  switch (token) {
    case 'January': return MONTHS[t.getUTCMonth()] ?? '';
    case 'Jan': return (MONTHS[t.getUTCMonth()] ?? '').slice(0, 3);
    case 'Monday': return DAYS[t.getUTCDay()] ?? '';
    case 'Mon': return (DAYS[t.getUTCDay()] ?? '').slice(0, 3);
    case '2006': return pad(t.getUTCFullYear(), 4);
    case '06': return pad(t.getUTCFullYear() % 100, 2);
    case '01': return pad(t.getUTCMonth() + 1, 2);
    case '1': return String(t.getUTCMonth() + 1);
    case '02': return pad(t.getUTCDate(), 2);
    case '_2': return String(t.getUTCDate()).padStart(2, ' ');
    case '2': return String(t.getUTCDate());
    case '002': return pad(yday, 3);
    case '__2': return String(yday).padStart(3, ' ');
    case '15': return pad(hour, 2);
    case '03': return pad(hour % 12 === 0 ? 12 : hour % 12, 2);
    case '3': return String(hour % 12 === 0 ? 12 : hour % 12);
    case '04': return pad(t.getUTCMinutes(), 2);
    case '4': return String(t.getUTCMinutes());
    case '05': return pad(t.getUTCSeconds(), 2);
    case '5': return String(t.getUTCSeconds());
    case 'PM': return hour >= 12 ? 'PM' : 'AM';
    case 'pm': return hour >= 12 ? 'pm' : 'am';
    case 'MST': return 'UTC';
    case '-0700': case '-07:00': case '-07': case '-070000': case '-07:00:00':
      return token.replace(/07|00/g, '00').replace('-', '+');
    default: // Z0700 and friends: UTC prints as Z
      return 'Z';
  }
}

/** The time.Time methods a template may call on a Date. */
export function timeMethod(d: Date, name: string): ((...args: unknown[]) => unknown) | undefined {
  switch (name) {
    case 'Format':
      return (layout: unknown) => formatGoLayout(d, String(layout));
    case 'String':
      return () => formatGoTime(d);
    case 'Unix':
      return () => Math.floor(ms(d) / 1000);
    case 'UnixMilli':
      return () => ms(d);
    case 'UnixNano':
      return () => BigInt(ms(d)) * 1_000_000n;
    case 'Year':
      return () => new Date(ms(d)).getUTCFullYear();
    case 'YearDay':
      return () => Number(formatGoLayout(d, '002'));
    case 'Month':
      return () => MONTHS[new Date(ms(d)).getUTCMonth()];
    case 'Day':
      return () => new Date(ms(d)).getUTCDate();
    case 'Hour':
      return () => new Date(ms(d)).getUTCHours();
    case 'Minute':
      return () => new Date(ms(d)).getUTCMinutes();
    case 'Second':
      return () => new Date(ms(d)).getUTCSeconds();
    case 'UTC':
    case 'Local':
      return () => new Date(ms(d));
    case 'IsZero':
      return () => ms(d) === ZERO_TIME_MS;
    default:
      return undefined;
  }
}
