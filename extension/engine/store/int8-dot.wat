;; The int8 dot products of search's scan (int8-dots.ts): for each of `rows` rows of `stride` int8 codes stored one
;; after another from `codes`, the dot product with the `stride` int16 query codes at `query`, as one int32 written
;; to `out` + 4·r. `stride` is a multiple of 32 and every address a multiple of 16. The sums are exact: int8-dots.ts
;; bounds the query codes so that no sum, partial or whole, leaves int32.
;;
;; Per 32 codes: two 16-byte loads of codes, each widened to two vectors of eight int16 (i16x8.extend_*_i8x16_s),
;; multiplied with the query's int16 lanes and summed in pairs (i32x4.dot_i16x8_s) into two accumulators of four
;; int32 lanes, then the eight lanes are added at the row's end.
;;
;; Assembled by `npm run build:wasm` (wabt) into int8-dot-wasm.ts.
(module
  (memory (import "env" "memory") 1)
  (func (export "dots") (param $query i32) (param $codes i32) (param $stride i32) (param $rows i32) (param $out i32)
    (local $r i32) (local $i i32) (local $row i32) (local $q i32) (local $c v128) (local $d v128)
    (local $accA v128) (local $accB v128)
    (local.set $row (local.get $codes))
    (block $done
      (loop $eachRow
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $accA (v128.const i32x4 0 0 0 0))
        (local.set $accB (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (local.set $q (local.get $query))
        (block $rowDone
          (loop $eachBlock
            (br_if $rowDone (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $c (v128.load (i32.add (local.get $row) (local.get $i))))
            (local.set $d (v128.load offset=16 (i32.add (local.get $row) (local.get $i))))
            (local.set $accA (i32x4.add (local.get $accA)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $c)) (v128.load (local.get $q)))))
            (local.set $accB (i32x4.add (local.get $accB)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $c)) (v128.load offset=16 (local.get $q)))))
            (local.set $accA (i32x4.add (local.get $accA)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $d)) (v128.load offset=32 (local.get $q)))))
            (local.set $accB (i32x4.add (local.get $accB)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $d)) (v128.load offset=48 (local.get $q)))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 64)))
            (br $eachBlock)))
        (local.set $accA (i32x4.add (local.get $accA) (local.get $accB)))
        (i32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $accA)) (i32x4.extract_lane 1 (local.get $accA)))
            (i32.add (i32x4.extract_lane 2 (local.get $accA)) (i32x4.extract_lane 3 (local.get $accA)))))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow)))))
