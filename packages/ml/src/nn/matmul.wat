;; Matrix product for tfjs-wasm's BatchMatMul where XNNPACK does not run (a transposed side, a batch):
;; the same float32 arithmetic as tfjs's scalar loop (batch_mat_mul_impl.cc, slow_batch_matmul), four
;; or eight outputs at a time. Each output sums a[i,k]*b[k,j] in k order over blocks of 48, and each
;; block's sum is added to the output and then +0 (the loop's bias term): the bits tfjs gives.
;; Built into matmul-wasm.ts by `npm run build:wasm` (scripts/build-wasm.ts). Pointers are byte
;; offsets into tfjs-wasm's own memory, which the module imports.
(module
  (import "env" "memory" (memory 1))

  ;; out[i, j] (+)= sum over k of a[i, k] * b[k, j] for i < left, j < right (a multiple of 4),
  ;; k < shared. a is read at a + i * aOuter + k * aInner (strides in bytes: either side's
  ;; layout); b is row-major [shared, right]; out is row-major [left, right] and must hold zeros.
  (func (export "matmul")
    (param $a i32) (param $b i32) (param $out i32) (param $left i32) (param $right i32)
    (param $shared i32) (param $aOuter i32) (param $aInner i32)
    (local $k0 i32) (local $kEnd i32) (local $i i32) (local $j i32) (local $k i32)
    (local $ap i32) (local $bp i32) (local $op i32) (local $row i32)
    (local $s0 v128) (local $s1 v128) (local $x v128)
    (local.set $row (i32.shl (local.get $right) (i32.const 2)))
    (loop $blocks
      (local.set $kEnd (select (i32.add (local.get $k0) (i32.const 48)) (local.get $shared)
        (i32.lt_u (i32.add (local.get $k0) (i32.const 48)) (local.get $shared))))
      (local.set $i (i32.const 0))
      (loop $rows
        (local.set $j (i32.const 0))
        ;; eight outputs at a time while they fit: one load of a[i, k] feeds two products
        (block $wide_done
          (loop $wide
            (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $right)))
            (local.set $s0 (v128.const f32x4 0 0 0 0))
            (local.set $s1 (v128.const f32x4 0 0 0 0))
            (local.set $k (local.get $k0))
            (local.set $ap (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aOuter)))
              (i32.mul (local.get $k0) (local.get $aInner))))
            (local.set $bp (i32.add (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $row)))
              (i32.shl (local.get $j) (i32.const 2))))
            (loop $sum
              (local.set $x (f32x4.splat (f32.load (local.get $ap))))
              (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $x) (v128.load (local.get $bp)))))
              (local.set $s1 (f32x4.add (local.get $s1)
                (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $bp)))))
              (local.set $ap (i32.add (local.get $ap) (local.get $aInner)))
              (local.set $bp (i32.add (local.get $bp) (local.get $row)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $sum (i32.lt_u (local.get $k) (local.get $kEnd))))
            (local.set $op (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $right)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $op) (f32x4.add (f32x4.add (v128.load (local.get $op)) (local.get $s0))
              (v128.const f32x4 0 0 0 0)))
            (v128.store offset=16 (local.get $op)
              (f32x4.add (f32x4.add (v128.load offset=16 (local.get $op)) (local.get $s1))
                (v128.const f32x4 0 0 0 0)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $wide)))
        ;; then four
        (block $narrow_done
          (br_if $narrow_done (i32.ge_u (local.get $j) (local.get $right)))
          (local.set $s0 (v128.const f32x4 0 0 0 0))
          (local.set $k (local.get $k0))
          (local.set $ap (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aOuter)))
            (i32.mul (local.get $k0) (local.get $aInner))))
          (local.set $bp (i32.add (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $row)))
            (i32.shl (local.get $j) (i32.const 2))))
          (loop $sum
            (local.set $s0 (f32x4.add (local.get $s0)
              (f32x4.mul (f32x4.splat (f32.load (local.get $ap))) (v128.load (local.get $bp)))))
            (local.set $ap (i32.add (local.get $ap) (local.get $aInner)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $sum (i32.lt_u (local.get $k) (local.get $kEnd))))
          (local.set $op (i32.add (local.get $out)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $right)) (local.get $j)) (i32.const 2))))
          (v128.store (local.get $op) (f32x4.add (f32x4.add (v128.load (local.get $op)) (local.get $s0))
            (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $i) (local.get $left))))
      (local.set $k0 (i32.add (local.get $k0) (i32.const 48)))
      (br_if $blocks (i32.lt_u (local.get $k0) (local.get $shared)))))

  ;; to[k, j] = from[j, k] for j < rows, k < cols (float32, byte offsets): a transposed b made row-major.
  (func (export "transpose")
    (param $from i32) (param $to i32) (param $rows i32) (param $cols i32)
    (local $j i32) (local $k i32) (local $src i32)
    (loop $outer
      (local.set $k (i32.const 0))
      (local.set $src (i32.add (local.get $from) (i32.shl (i32.mul (local.get $j) (local.get $cols)) (i32.const 2))))
      (loop $inner
        (f32.store (i32.add (local.get $to)
            (i32.shl (i32.add (i32.mul (local.get $k) (local.get $rows)) (local.get $j)) (i32.const 2)))
          (f32.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $k) (local.get $cols))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $j) (local.get $rows)))))
)
