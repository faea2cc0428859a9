/**
 * A two-way map between a proto enum and the domain's names, declared once
 * from the domain side (`toProto` must name every domain value, so a new
 * one fails to typecheck until it is mapped). `fromProto` is null for
 * UNSPECIFIED and for a number this server does not know.
 */
export function enumMap<Name extends string, Proto extends number>(
  toProto: Record<Name, Proto>,
): { toProto: Readonly<Record<Name, Proto>>; fromProto: (value: Proto) => Name | null } {
  const names = new Map<number, Name>(Object.entries(toProto).map(([name, proto]) => [proto as number, name as Name]));
  return { toProto, fromProto: (value) => names.get(value) ?? null };
}
