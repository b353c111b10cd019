// A tiny ONNX (protobuf) writer for test models, so the runtime's tests build
// exactly the graphs they need (one per datatype, a deliberately slow one)
// without Python. Covers only the handful of ModelProto fields those graphs use.
import { writeFileSync } from 'node:fs';

/** ONNX TensorProto.DataType codes. */
export const ELEM = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
} as const;

class Writer {
  readonly bytes: number[] = [];
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v > 0n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }
  raw(field: number, data: Uint8Array | number[]): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field: number, value: string): this {
    return this.raw(field, Buffer.from(value, 'utf8'));
  }
  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.raw(field, inner.bytes);
  }
}

export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly elem: number;
  readonly shape: readonly Dim[];
}

export interface Attribute {
  readonly name: string;
  readonly int?: number;
  readonly ints?: readonly number[];
}

export interface Node {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly Attribute[];
}

export interface Initializer {
  readonly name: string;
  readonly elem: number;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

export interface Graph {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly Node[];
  readonly initializers?: readonly Initializer[];
  readonly opset?: number;
}

function valueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, v.elem).message(2, (shape) => {
        for (const dim of v.shape) shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
      }),
    ),
  );
}

export function buildModel(graph: Graph): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, 'modelship-tests');
  w.message(7, (g) => {
    graph.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `n${i}`).string(4, node.op);
        for (const a of node.attributes ?? []) {
          n.message(5, (attr) => {
            attr.string(1, a.name);
            if (a.int !== undefined) attr.int(3, a.int).int(20, 2);
            if (a.ints !== undefined) {
              for (const v of a.ints) attr.int(8, v);
              attr.int(20, 7);
            }
          });
        }
      }),
    );
    g.string(2, 'test');
    for (const init of graph.initializers ?? []) {
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        t.int(2, init.elem).string(8, init.name).raw(9, init.raw);
      });
    }
    for (const input of graph.inputs) g.message(11, (v) => valueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => valueInfo(v, output));
  });
  w.message(8, (o) => o.string(1, '').int(2, graph.opset ?? 17));
  return Uint8Array.from(w.bytes);
}

export function writeModel(path: string, graph: Graph): string {
  writeFileSync(path, buildModel(graph));
  return path;
}
