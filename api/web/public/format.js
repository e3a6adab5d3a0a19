// Dates as people read them, in the browser's own time zone.

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});

/** "Sat, Dec 5, 5:00 PM" (in the browser's locale and zone). */
export const localDateTime = (iso) => dateTime.format(new Date(iso));

/** The browser's IANA time zone, e.g. "Asia/Tokyo". */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const pad = (n) => String(n).padStart(2, '0');

/** ISO instant → the value of an <input type="datetime-local"> (local wall-clock time). */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An <input type="datetime-local"> value (local wall-clock time) → ISO instant; '' → null. */
export const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);

/** An element with text children only (never HTML from data). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}
