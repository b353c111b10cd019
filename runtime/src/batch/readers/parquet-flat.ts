// Flat numeric Parquet columns (FLOAT, DOUBLE, INT32, INT64 with no logical
// type: the feature columns of a tabular dataset) decoded straight into one
// typed array per row group. hyparquet's own page decoders do the format work
// (page headers, decompression, levels, PLAIN and dictionary values); what is
// left out is its generic assembly, which turns every OPTIONAL column into a
// JS array built value by value (a 784-column row group spent most of its
// decode time and garbage there). A column with nulls becomes a JS array with
// null in those rows, as hyparquet returns it; every other column type goes
// through hyparquet's parquetRead (parquet.ts).
import type { DataReader, DecodedArray, FileMetaData, SchemaTree } from 'hyparquet';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { getMaxDefinitionLevel, isFlatColumn } from 'hyparquet/src/schema.js';

type ColumnDecoder = Parameters<typeof readDataPageV2>[2];
type ColumnMeta = FileMetaData['row_groups'][number]['columns'][number];
type Values = Float32Array | Float64Array | Int32Array | BigInt64Array;

const ARRAYS = { FLOAT: Float32Array, DOUBLE: Float64Array, INT32: Int32Array, INT64: BigInt64Array } as const;

/** The column's leaf when it is a flat FLOAT/DOUBLE/INT32/INT64 with no logical or converted type. */
export function flatNumeric(tree: SchemaTree, name: string): SchemaTree[] | undefined {
  const child = tree.children.find((c) => c.element.name === name);
  if (child === undefined) return undefined;
  const path = [tree, child];
  const e = child.element;
  if (!isFlatColumn(path) || e.type === undefined || !(e.type in ARRAYS) || e.converted_type !== undefined || e.logical_type !== undefined) return undefined;
  return path;
}

/** Bytes [start, end) of a column chunk in its file (dictionary page first when there is one). */
export function chunkRange(column: ColumnMeta): { start: number; end: number } {
  const meta = column.meta_data;
  if (meta === undefined) throw new Error('a column chunk without metadata (stored in another file?) is not supported');
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/** Decodes one flat numeric column chunk of `rows` rows from its bytes. */
export function decodeFlatChunk(bytes: Uint8Array, column: ColumnMeta, path: SchemaTree[], rows: number): ArrayLike<unknown> {
  const meta = column.meta_data!;
  const element = path[path.length - 1]!.element;
  const decoder: ColumnDecoder = { pathInSchema: meta.path_in_schema, type: meta.type, element, schemaPath: path, codec: meta.codec, parsers: DEFAULT_PARSERS, utf8: true };
  const maxDefinition = getMaxDefinitionLevel(path);
  let out: Values | unknown[] = new ARRAYS[meta.type as keyof typeof ARRAYS](rows);
  let dictionary: DecodedArray | undefined;
  let at = 0;
  const reader: DataReader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  while (at < rows && reader.offset < bytes.byteLength - 1) {
    const header = parquetHeader(reader);
    if (header.type === 'DICTIONARY_PAGE') {
      dictionary = convert(readPage(reader, header, decoder, undefined, undefined, 0).data as DecodedArray, decoder);
      continue;
    }
    const compressed = new Uint8Array(reader.view.buffer, reader.view.byteOffset + reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    let page: { definitionLevels: number[] | undefined; dataPage: DecodedArray };
    let encoding: string;
    let count: number;
    let nulls: boolean;
    if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const daph = header.data_page_header;
      page = readDataPage(decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, undefined), daph, decoder);
      ({ encoding, num_values: count } = daph);
      // hyparquet keeps definition levels only when the page has a null.
      nulls = (page.definitionLevels?.length ?? 0) > 0;
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      const daph2 = header.data_page_header_v2;
      page = readDataPageV2(compressed, header, decoder);
      ({ encoding, num_values: count } = daph2);
      nulls = daph2.num_nulls > 0;
    } else continue; // index pages
    const dictionaryEncoded = dictionary !== undefined && encoding.endsWith('_DICTIONARY');
    const values = dictionaryEncoded ? page.dataPage : convert(page.dataPage, decoder);
    const end = Math.min(rows, at + count);
    if (nulls && !Array.isArray(out)) out = Array.from(out as ArrayLike<unknown>);
    const levels = page.definitionLevels ?? [];
    const target = out as unknown[];
    if (!nulls && dictionaryEncoded) {
      const dict = dictionary as ArrayLike<unknown>;
      for (let i = 0; at + i < end; i++) target[at + i] = dict[values[i] as number];
    } else if (!nulls) {
      if (!Array.isArray(out) && values.length >= end - at && ArrayBuffer.isView(values) && values.constructor === out.constructor) (out as Float32Array).set((values as Float32Array).subarray(0, end - at), at);
      else for (let i = 0; at + i < end; i++) target[at + i] = values[i];
    } else {
      let v = 0;
      for (let i = 0; at + i < end; i++) {
        if (levels[i] === maxDefinition) {
          const raw = values[v++];
          target[at + i] = dictionaryEncoded ? (dictionary as ArrayLike<unknown>)[raw as number] : raw;
        } else target[at + i] = null;
      }
    }
    at = end;
  }
  if (at < rows) throw new Error(`column ${meta.path_in_schema.join('.')}: ${at} values in a row group of ${rows} rows`);
  return out;
}
