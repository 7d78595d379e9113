// Sort orders without String.prototype.localeCompare: its first call builds an ICU collator, about
// 10 ms of every run's start-up (measured on node 20 and 22), and these orders need no locale.

/** Orders strings by UTF-16 code units (Array.prototype.sort's default order, as a comparator). */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Natural order, as lsblk lists devices: runs of digits compare by value (nvme2n1 before nvme10n1). */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    if (p === q) continue;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    const order = numeric ? Number(p) - Number(q) || p.length - q.length : byCodeUnits(p, q);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}
