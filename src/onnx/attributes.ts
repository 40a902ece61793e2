/** Typed reads of ONNX node attributes (AttributeProto), with the op's documented defaults. */
import type { AttributeProto, NodeProto } from "onnx-buf";

/** AttributeProto.AttributeType codes. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, SPARSE_TENSOR: 11 } as const;

export function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** Attribute names outside `known`: an attribute the importer does not understand is refused, not ignored. */
export function unknownAttributes(node: NodeProto, known: readonly string[]): string[] {
  return node.attribute.map((a) => a.name).filter((n) => !known.includes(n));
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : Number(a.i);
}

/** A float attribute: ONNX stores it as float32, read exactly. */
export function floatAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a === undefined ? fallback : a.f;
}
