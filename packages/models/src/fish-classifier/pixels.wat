;; Pixel kernels for the fish classifier's input path: PNG row unfiltering and the bilinear resize.
;; Bit-exact with the JavaScript they replace; WebAssembly SIMD does the wide parts.
;; Built into pixels-wasm.ts by `npm run build:wasm` (scripts/build-wasm.ts).
;; Every pointer is a byte offset into the exported memory, laid out by pixel-kernels.ts.
(module
  (memory (export "memory") 1)

  ;; Unfilters `height` rows of `stride` bytes, each stored in `raw` as a filter-type byte and the
  ;; filtered bytes, into `out`; `bpp` is bytes per complete pixel. The `stride` bytes before `out`
  ;; must be zero (the row above the first). Returns 0, or the 1-based number of the first row whose
  ;; filter type is unknown.
  (func (export "unfilter")
    (param $raw i32) (param $out i32) (param $stride i32) (param $height i32) (param $bpp i32)
    (result i32)
    (local $y i32) (local $f i32) (local $src i32) (local $o i32) (local $p i32) (local $i i32)
    (local $a i32) (local $b i32) (local $c i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $end i32)
    (local.set $o (local.get $out))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $f (i32.load8_u (local.get $raw)))
        (if (i32.gt_u (local.get $f) (i32.const 4))
          (then (return (i32.add (local.get $y) (i32.const 1)))))
        (local.set $src (i32.add (local.get $raw) (i32.const 1)))
        (local.set $p (i32.sub (local.get $o) (local.get $stride)))
        (local.set $end (local.get $stride))
        (block $row_done
          (block $paeth
            (block $average
              (block $up
                (block $sub
                  (block $none
                    (br_table $none $sub $up $average $paeth (local.get $f)))
                  ;; 0: none
                  (memory.copy (local.get $o) (local.get $src) (local.get $stride))
                  (br $row_done))
                ;; 1: sub
                (memory.copy (local.get $o) (local.get $src) (local.get $bpp))
                (local.set $i (local.get $bpp))
                (block $done
                  (loop $each
                    (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
                    (i32.store8 (i32.add (local.get $o) (local.get $i))
                      (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                               (i32.load8_u (i32.sub (i32.add (local.get $o) (local.get $i)) (local.get $bpp)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $each)))
                (br $row_done))
              ;; 2: up, 16 bytes at a time, then the rest
              (local.set $i (i32.const 0))
              (block $done
                (loop $each
                  (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
                  (v128.store (i32.add (local.get $o) (local.get $i))
                    (i8x16.add (v128.load (i32.add (local.get $src) (local.get $i)))
                               (v128.load (i32.add (local.get $p) (local.get $i)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $each)))
              (block $done
                (loop $each
                  (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
                  (i32.store8 (i32.add (local.get $o) (local.get $i))
                    (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                             (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br $each)))
              (br $row_done))
            ;; 3: average
            (local.set $i (i32.const 0))
            (block $done
              (loop $each
                (br_if $done (i32.ge_u (local.get $i) (local.get $bpp)))
                (i32.store8 (i32.add (local.get $o) (local.get $i))
                  (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                           (i32.shr_u (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 1))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $each)))
            (block $done
              (loop $each
                (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
                (i32.store8 (i32.add (local.get $o) (local.get $i))
                  (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                           (i32.shr_u
                             (i32.add (i32.load8_u (i32.sub (i32.add (local.get $o) (local.get $i)) (local.get $bpp)))
                                      (i32.load8_u (i32.add (local.get $p) (local.get $i))))
                             (i32.const 1))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $each)))
            (br $row_done))
          ;; 4: Paeth; with no pixel to the left the predictor is the byte above
          (local.set $i (i32.const 0))
          (block $done
            (loop $each
              (br_if $done (i32.ge_u (local.get $i) (local.get $bpp)))
              (i32.store8 (i32.add (local.get $o) (local.get $i))
                (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                         (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $each)))
          (block $done
            (loop $each
              (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
              (local.set $a (i32.load8_u (i32.sub (i32.add (local.get $o) (local.get $i)) (local.get $bpp))))
              (local.set $b (i32.load8_u (i32.add (local.get $p) (local.get $i))))
              (local.set $c (i32.load8_u (i32.sub (i32.add (local.get $p) (local.get $i)) (local.get $bpp))))
              ;; pa = |b - c|, pb = |a - c|, pc = |a + b - 2c|
              (local.set $pa (i32.sub (local.get $b) (local.get $c)))
              (local.set $pb (i32.sub (local.get $a) (local.get $c)))
              (local.set $pc (i32.add (local.get $pa) (local.get $pb)))
              (local.set $pa (select (i32.sub (i32.const 0) (local.get $pa)) (local.get $pa)
                                     (i32.lt_s (local.get $pa) (i32.const 0))))
              (local.set $pb (select (i32.sub (i32.const 0) (local.get $pb)) (local.get $pb)
                                     (i32.lt_s (local.get $pb) (i32.const 0))))
              (local.set $pc (select (i32.sub (i32.const 0) (local.get $pc)) (local.get $pc)
                                     (i32.lt_s (local.get $pc) (i32.const 0))))
              (i32.store8 (i32.add (local.get $o) (local.get $i))
                (i32.add (i32.load8_u (i32.add (local.get $src) (local.get $i)))
                  (select (local.get $a)
                          (select (local.get $b) (local.get $c) (i32.le_u (local.get $pb) (local.get $pc)))
                          (i32.and (i32.le_u (local.get $pa) (local.get $pb))
                                   (i32.le_u (local.get $pa) (local.get $pc))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $each))))
        (local.set $raw (i32.add (local.get $src) (local.get $stride)))
        (local.set $o (i32.add (local.get $o) (local.get $stride)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i32.const 0))

  ;; Horizontal pass: `rows` source rows of `stride` bytes from `src`; for each of `count` output
  ;; pixels, the byte offsets of its two source pixels and the second one's weight (0..256) as i32
  ;; tables; writes the three channels as u16 (x 256) to `dst`.
  (func (export "horizontal")
    (param $src i32) (param $stride i32) (param $rows i32)
    (param $first i32) (param $second i32) (param $weight i32) (param $count i32)
    (param $dst i32)
    (local $r i32) (local $i i32) (local $a i32) (local $b i32) (local $wa i32) (local $wb i32)
    (local $end i32)
    (local.set $end (i32.shl (local.get $count) (i32.const 2)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $each
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $a (i32.add (local.get $src) (i32.load (i32.add (local.get $first) (local.get $i)))))
            (local.set $b (i32.add (local.get $src) (i32.load (i32.add (local.get $second) (local.get $i)))))
            (local.set $wb (i32.load (i32.add (local.get $weight) (local.get $i))))
            (local.set $wa (i32.sub (i32.const 256) (local.get $wb)))
            (i32.store16 (local.get $dst)
              (i32.add (i32.mul (i32.load8_u (local.get $a)) (local.get $wa))
                       (i32.mul (i32.load8_u (local.get $b)) (local.get $wb))))
            (i32.store16 offset=2 (local.get $dst)
              (i32.add (i32.mul (i32.load8_u offset=1 (local.get $a)) (local.get $wa))
                       (i32.mul (i32.load8_u offset=1 (local.get $b)) (local.get $wb))))
            (i32.store16 offset=4 (local.get $dst)
              (i32.add (i32.mul (i32.load8_u offset=2 (local.get $a)) (local.get $wa))
                       (i32.mul (i32.load8_u offset=2 (local.get $b)) (local.get $wb))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 6)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $each)))
        (local.set $src (i32.add (local.get $src) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; Vertical pass: for each of `height` output rows, blends two u16 rows of `scaled`
  ;; (byte offsets `top[y]`, `bottom[y]`, weight of the bottom one `weight[y]` in 0..256) into
  ;; `length` bytes at `dst`, rounding to nearest: (t * (256 - w) + b * w + 32768) >> 16.
  (func (export "vertical")
    (param $scaled i32) (param $top i32) (param $bottom i32) (param $weight i32) (param $height i32)
    (param $length i32) (param $dst i32)
    (local $y i32) (local $i i32) (local $t i32) (local $b i32) (local $wb i32)
    (local $va v128) (local $vb v128) (local $half v128) (local $simd i32) (local $t0 v128) (local $t1 v128) (local $b0 v128) (local $b1 v128)
    (local.set $half (i32x4.splat (i32.const 32768)))
    (local.set $simd (i32.and (local.get $length) (i32.const -16)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $t (i32.add (local.get $scaled)
          (i32.load (i32.add (local.get $top) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $b (i32.add (local.get $scaled)
          (i32.load (i32.add (local.get $bottom) (i32.shl (local.get $y) (i32.const 2))))))
        (local.set $wb (i32.load (i32.add (local.get $weight) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $va (i16x8.splat (i32.sub (i32.const 256) (local.get $wb))))
        (local.set $vb (i16x8.splat (local.get $wb)))
        (local.set $i (i32.const 0))
        (block $simd_done
          (loop $simd_loop
            (br_if $simd_done (i32.ge_u (local.get $i) (local.get $simd)))
            (local.set $t0 (v128.load (local.get $t)))
            (local.set $t1 (v128.load offset=16 (local.get $t)))
            (local.set $b0 (v128.load (local.get $b)))
            (local.set $b1 (v128.load offset=16 (local.get $b)))
            (v128.store (local.get $dst)
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_u
                  (i32x4.shr_u (i32x4.add (i32x4.add
                    (i32x4.extmul_low_i16x8_u (local.get $t0) (local.get $va))
                    (i32x4.extmul_low_i16x8_u (local.get $b0) (local.get $vb))) (local.get $half)) (i32.const 16))
                  (i32x4.shr_u (i32x4.add (i32x4.add
                    (i32x4.extmul_high_i16x8_u (local.get $t0) (local.get $va))
                    (i32x4.extmul_high_i16x8_u (local.get $b0) (local.get $vb))) (local.get $half)) (i32.const 16)))
                (i16x8.narrow_i32x4_u
                  (i32x4.shr_u (i32x4.add (i32x4.add
                    (i32x4.extmul_low_i16x8_u (local.get $t1) (local.get $va))
                    (i32x4.extmul_low_i16x8_u (local.get $b1) (local.get $vb))) (local.get $half)) (i32.const 16))
                  (i32x4.shr_u (i32x4.add (i32x4.add
                    (i32x4.extmul_high_i16x8_u (local.get $t1) (local.get $va))
                    (i32x4.extmul_high_i16x8_u (local.get $b1) (local.get $vb))) (local.get $half)) (i32.const 16)))))
            (local.set $t (i32.add (local.get $t) (i32.const 32)))
            (local.set $b (i32.add (local.get $b) (i32.const 32)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $simd_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $i) (local.get $length)))
            (i32.store8 (local.get $dst)
              (i32.shr_u
                (i32.add
                  (i32.add
                    (i32.mul (i32.load16_u (local.get $t)) (i32.sub (i32.const 256) (local.get $wb)))
                    (i32.mul (i32.load16_u (local.get $b)) (local.get $wb)))
                  (i32.const 32768))
                (i32.const 16)))
            (local.set $t (i32.add (local.get $t) (i32.const 2)))
            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail_loop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows_loop))))
)
