/** An IPv4 CIDR as a [first, last] address range, or undefined when it is not one. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (address % size !== 0) return undefined; // host bits set: 10.0.0.1/24 is not a network
  return [address, address + size - 1];
}

export const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

/** RFC 1918 space: subnets and pod/service ranges must be private. */
export function isPrivate([first, last]: [number, number]): boolean {
  const blocks: [number, number][] = [
    cidrRange("10.0.0.0/8")!,
    cidrRange("172.16.0.0/12")!,
    cidrRange("192.168.0.0/16")!,
  ];
  return blocks.some(([a, b]) => first >= a && last <= b);
}
