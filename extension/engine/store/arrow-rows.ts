/**
 * Builds Arrow tables for the store's writes with an exact schema. The fp16 vector column is filled from bits this
 * module computes (float16.ts), never through apache-arrow's number → float16 conversion.
 */
import * as arrow from 'apache-arrow';
import { encodeFloat16 } from './float16';

/** A table of `rows` under `schema`; the field named `vector` (FixedSizeList<Float16>) is encoded here. */
export function rowsToTable(schema: arrow.Schema, rows: Record<string, unknown>[]): arrow.Table {
  const children = schema.fields.map((field) => {
    if (field.name === 'vector') return vectorData(field.type as arrow.FixedSizeList, rows);
    const vector = arrow.vectorFromArray(rows.map((r) => r[field.name] ?? null), field.type);
    return vector.data.length === 1 ? vector.data[0] : arrow.makeVector(vector.data).data[0];
  });
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, data)]);
}

function vectorData(type: arrow.FixedSizeList, rows: Record<string, unknown>[]): arrow.Data<arrow.FixedSizeList> {
  const dim = type.listSize;
  const bits = new Uint16Array(rows.length * dim);
  rows.forEach((row, i) => {
    const values = row.vector as ArrayLike<number>;
    if (values.length !== dim) throw new Error(`a memory has ${values.length} values, the store expects ${dim}`);
    encodeFloat16(values, bits, i * dim);
  });
  const child = arrow.makeData({ type: type.children[0].type as arrow.Float16, length: bits.length, nullCount: 0, data: bits });
  return arrow.makeData({ type, length: rows.length, nullCount: 0, child });
}
