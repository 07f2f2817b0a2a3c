;; A GBDT histogram's fill: the same float64 adds, in the same order, as the JavaScript loop it
;; replaces (row by row in the rows' order, each row's positions ascending), a third of its time.
;; Built into histogram-wasm.ts by `npm run build:wasm` (scripts/build-wasm.ts). Pointers are byte
;; offsets into the memory a histogram pool owns (gbdt/arena.ts), which the module imports.
(module
  (import "env" "memory" (memory 1))

  ;; For k < n and positions p in [from, to): bin = matrix[rows[k] * width + features[p]], and
  ;; hist[p][bin] += (gradient, hessian, 1). rows is u32 row ids; pairs holds each listed row's
  ;; gradient and hessian side by side (f64, in the rows' order); features is i32 per position;
  ;; a position spans 256 bins of three f64 (6,144 bytes). The gradient and hessian go in one f64x2
  ;; add: two IEEE additions, the bits two scalar ones give.
  (func (export "fill")
    (param $hist i32) (param $matrix i32) (param $width i32) (param $rows i32) (param $pairs i32)
    (param $n i32) (param $features i32) (param $from i32) (param $to i32)
    (local $k i32) (local $pair v128) (local $base i32) (local $at i32) (local $end i32)
    (local $position i32) (local $bin i32)
    (local.set $end (i32.add (local.get $features) (i32.shl (local.get $to) (i32.const 2))))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $pair (v128.load (i32.add (local.get $pairs) (i32.shl (local.get $k) (i32.const 4)))))
        (local.set $base (i32.add (local.get $matrix)
          (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $k) (i32.const 2))))
            (local.get $width))))
        (local.set $at (i32.add (local.get $features) (i32.shl (local.get $from) (i32.const 2))))
        (local.set $position (i32.add (local.get $hist) (i32.mul (local.get $from) (i32.const 6144))))
        (block $positions_done
          (loop $positions
            (br_if $positions_done (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $bin (i32.add (local.get $position)
              (i32.mul (i32.load8_u (i32.add (local.get $base) (i32.load (local.get $at)))) (i32.const 24))))
            (v128.store (local.get $bin) (f64x2.add (v128.load (local.get $bin)) (local.get $pair)))
            (f64.store offset=16 (local.get $bin)
              (f64.add (f64.load offset=16 (local.get $bin)) (f64.const 1)))
            (local.set $at (i32.add (local.get $at) (i32.const 4)))
            (local.set $position (i32.add (local.get $position) (i32.const 6144)))
            (br $positions)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $row)))))
