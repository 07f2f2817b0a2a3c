;; A GBDT histogram's fill, subtraction and split search: the same float64 operations, in the same
;; order, as the JavaScript loops they replace, so the same bits. Built into histogram-wasm.ts by
;; `npm run build:wasm` (scripts/build-wasm.ts). Pointers are byte offsets into the memory a
;; histogram pool owns (gbdt/arena.ts), which the module imports. A histogram at `hist` holds, for
;; `width` positions, the sums (256 bins of gradient, hessian and count, f64: 6,144 bytes a
;; position), then the listed bins (u8, 256 a position), then the list lengths (i32 a position).
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
        (br $row)))) 
  ;; parent -= child over the parent's listed bins of positions [from, to) and the MISSING bin; the
  ;; child lists the bins it has rows in, the parent keeps those not exactly zero now.
  (func (export "subtract")
    (param $parent i32) (param $child i32) (param $width i32) (param $from i32) (param $to i32)
    (local $p i32) (local $ps i32) (local $cs i32) (local $plist i32) (local $clist i32)
    (local $j i32) (local $end i32) (local $kept i32) (local $taken i32) (local $b i32)
    (local $pi i32) (local $ci i32) (local $c f64) (local $lists i32) (local $lengths i32)
    (local.set $lists (i32.mul (local.get $width) (i32.const 6144)))
    (local.set $lengths (i32.add (local.get $lists) (i32.shl (local.get $width) (i32.const 8))))
    (local.set $p (local.get $from))
    (block $done
      (loop $position
        (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
        (local.set $ps (i32.add (local.get $parent) (i32.mul (local.get $p) (i32.const 6144))))
        (local.set $cs (i32.add (local.get $child) (i32.mul (local.get $p) (i32.const 6144))))
        (local.set $plist (i32.add (i32.add (local.get $parent) (local.get $lists)) (i32.shl (local.get $p) (i32.const 8))))
        (local.set $clist (i32.add (i32.add (local.get $child) (local.get $lists)) (i32.shl (local.get $p) (i32.const 8))))
        (local.set $end (i32.load (i32.add (i32.add (local.get $parent) (local.get $lengths)) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (local.set $kept (i32.const 0))
        (local.set $taken (i32.const 0))
        (block $bins_done
          (loop $bins
            (br_if $bins_done (i32.ge_s (local.get $j) (local.get $end)))
            (local.set $b (i32.load8_u (i32.add (local.get $plist) (local.get $j))))
            (local.set $pi (i32.add (local.get $ps) (i32.mul (local.get $b) (i32.const 24))))
            (local.set $ci (i32.add (local.get $cs) (i32.mul (local.get $b) (i32.const 24))))
            (local.set $c (f64.load offset=16 (local.get $ci)))
            ;; without branches: a bin no row of the child fell in holds exact zeros (+0), and
            ;; subtracting them changes no bit, so every listed bin is subtracted
            (v128.store (local.get $pi) (f64x2.sub (v128.load (local.get $pi)) (v128.load (local.get $ci))))
            (f64.store offset=16 (local.get $pi) (f64.sub (f64.load offset=16 (local.get $pi)) (local.get $c)))
            ;; the child lists the bins it has rows in
            (i32.store8 (i32.add (local.get $clist) (local.get $taken)) (local.get $b))
            (local.set $taken (i32.add (local.get $taken) (f64.ne (local.get $c) (f64.const 0))))
            ;; the parent keeps its bin unless the child emptied it exactly
            (i32.store8 (i32.add (local.get $plist) (local.get $kept)) (local.get $b))
            (local.set $kept (i32.add (local.get $kept)
              (i32.or (f64.eq (local.get $c) (f64.const 0))
                (i32.or (f64.ne (f64.load offset=16 (local.get $pi)) (f64.const 0))
                  (i32.or (f64.ne (f64.load (local.get $pi)) (f64.const 0))
                    (f64.ne (f64.load offset=8 (local.get $pi)) (f64.const 0)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $bins)))
        (i32.store (i32.add (i32.add (local.get $parent) (local.get $lengths)) (i32.shl (local.get $p) (i32.const 2))) (local.get $kept))
        (i32.store (i32.add (i32.add (local.get $child) (local.get $lengths)) (i32.shl (local.get $p) (i32.const 2))) (local.get $taken))
        ;; the MISSING bin (255)
        (local.set $pi (i32.add (local.get $ps) (i32.const 6120)))
        (local.set $ci (i32.add (local.get $cs) (i32.const 6120)))
        (v128.store (local.get $pi) (f64x2.sub (v128.load (local.get $pi)) (v128.load (local.get $ci))))
        (f64.store offset=16 (local.get $pi)
          (f64.sub (f64.load offset=16 (local.get $pi)) (f64.load offset=16 (local.get $ci))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $position))))

  ;; The best split of a leaf over positions [from, to) of its histogram, as split.ts's bestSplit
  ;; scans it (bin 0, then the listed bins; each bin's candidate, then the same with the missing
  ;; rows sent left; the first of the highest gains). used is i32 per position (value bins + 1).
  ;; Writes the gain (f64), then position (-1: none), bin and missing-left (i32) at result.
  (func (export "best")
    (param $hist i32) (param $width i32) (param $used i32) (param $from i32) (param $to i32)
    (param $totalG f64) (param $totalH f64) (param $count f64) (param $lambda f64)
    (param $minSamples f64) (param $minHessian f64) (param $minGain f64) (param $result i32)
    (local $parentScore f64) (local $bestGain f64) (local $bestPosition i32) (local $bestBin i32)
    (local $bestMissing i32) (local $p i32) (local $bins i32) (local $sums i32) (local $list i32)
    (local $mg f64) (local $mh f64) (local $mc f64) (local $missing i32) (local $gl f64) (local $hl f64)
    (local $cl f64) (local $last i32) (local $next i32) (local $end i32) (local $b i32) (local $at i32)
    (local $hr f64) (local $gr f64) (local $gain f64) (local $gm f64) (local $hm f64) (local $cm f64)
    (local $lists i32) (local $lengths i32)
    (local.set $lists (i32.add (local.get $hist) (i32.mul (local.get $width) (i32.const 6144))))
    (local.set $lengths (i32.add (local.get $lists) (i32.shl (local.get $width) (i32.const 8))))
    (local.set $parentScore (f64.div (f64.mul (local.get $totalG) (local.get $totalG))
      (f64.add (local.get $totalH) (local.get $lambda))))
    (local.set $bestPosition (i32.const -1))
    (local.set $p (local.get $from))
    (block $done
      (loop $position
        (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
        (local.set $bins (i32.load (i32.add (local.get $used) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $sums (i32.add (local.get $hist) (i32.mul (local.get $p) (i32.const 6144))))
        (local.set $list (i32.add (local.get $lists) (i32.shl (local.get $p) (i32.const 8))))
        (local.set $mg (f64.load offset=6120 (local.get $sums)))
        (local.set $mh (f64.load offset=6128 (local.get $sums)))
        (local.set $mc (f64.load offset=6136 (local.get $sums)))
        (local.set $missing (f64.gt (local.get $mc) (f64.const 0)))
        (local.set $gl (f64.const 0))
        (local.set $hl (f64.const 0))
        (local.set $cl (f64.const 0))
        (local.set $last (i32.sub (local.get $bins) (select (i32.const 1) (i32.const 2) (local.get $missing))))
        (local.set $end (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $p) (i32.const 2)))))
        ;; bin 0 first, then the listed bins after it
        (local.set $next (i32.const 0))
        (if (i32.lt_s (local.get $next) (local.get $end))
          (then (if (i32.eqz (i32.load8_u (local.get $list)))
            (then (local.set $next (i32.const 1))))))
        (local.set $b (i32.const 0))
        (block $bins_done
          (loop $bins
            (br_if $bins_done (i32.gt_s (local.get $b) (local.get $last)))
            (local.set $at (i32.add (local.get $sums) (i32.mul (local.get $b) (i32.const 24))))
            (local.set $gl (f64.add (local.get $gl) (f64.load (local.get $at))))
            (local.set $hl (f64.add (local.get $hl) (f64.load offset=8 (local.get $at))))
            (local.set $cl (f64.add (local.get $cl) (f64.load offset=16 (local.get $at))))
            ;; counts only grow: once the right side is too small here, it is for every later bin
            (br_if $bins_done (f64.lt (f64.sub (local.get $count) (local.get $cl)) (local.get $minSamples)))
            (if (f64.ge (local.get $cl) (local.get $minSamples))
              (then
                (local.set $hr (f64.sub (local.get $totalH) (local.get $hl)))
                (if (i32.and (f64.ge (local.get $hl) (local.get $minHessian))
                      (f64.ge (local.get $hr) (local.get $minHessian)))
                  (then
                    (local.set $gr (f64.sub (local.get $totalG) (local.get $gl)))
                    (local.set $gain (f64.sub
                      (f64.add
                        (f64.div (f64.mul (local.get $gl) (local.get $gl)) (f64.add (local.get $hl) (local.get $lambda)))
                        (f64.div (f64.mul (local.get $gr) (local.get $gr)) (f64.add (local.get $hr) (local.get $lambda))))
                      (local.get $parentScore)))
                    (if (i32.and (f64.gt (local.get $gain) (local.get $minGain))
                          (f64.gt (local.get $gain) (local.get $bestGain)))
                      (then
                        (local.set $bestGain (local.get $gain))
                        (local.set $bestPosition (local.get $p))
                        (local.set $bestBin (local.get $b))
                        (local.set $bestMissing (i32.const 0))))))))
            (if (i32.and (local.get $missing) (i32.lt_s (local.get $b) (i32.sub (local.get $bins) (i32.const 1))))
              (then
                ;; the same candidate with the missing rows sent left
                (local.set $gm (f64.add (local.get $gl) (local.get $mg)))
                (local.set $hm (f64.add (local.get $hl) (local.get $mh)))
                (local.set $cm (f64.add (local.get $cl) (local.get $mc)))
                (local.set $hr (f64.sub (local.get $totalH) (local.get $hm)))
                (if (i32.and
                      (i32.and (f64.ge (local.get $cm) (local.get $minSamples))
                        (f64.ge (f64.sub (local.get $count) (local.get $cm)) (local.get $minSamples)))
                      (i32.and (f64.ge (local.get $hm) (local.get $minHessian))
                        (f64.ge (local.get $hr) (local.get $minHessian))))
                  (then
                    (local.set $gr (f64.sub (local.get $totalG) (local.get $gm)))
                    (local.set $gain (f64.sub
                      (f64.add
                        (f64.div (f64.mul (local.get $gm) (local.get $gm)) (f64.add (local.get $hm) (local.get $lambda)))
                        (f64.div (f64.mul (local.get $gr) (local.get $gr)) (f64.add (local.get $hr) (local.get $lambda))))
                      (local.get $parentScore)))
                    (if (i32.and (f64.gt (local.get $gain) (local.get $minGain))
                          (f64.gt (local.get $gain) (local.get $bestGain)))
                      (then
                        (local.set $bestGain (local.get $gain))
                        (local.set $bestPosition (local.get $p))
                        (local.set $bestBin (local.get $b))
                        (local.set $bestMissing (i32.const 1))))))))
            (br_if $bins_done (i32.ge_s (local.get $next) (local.get $end)))
            (local.set $b (i32.load8_u (i32.add (local.get $list) (local.get $next))))
            (local.set $next (i32.add (local.get $next) (i32.const 1)))
            (br $bins)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $position)))
    (f64.store (local.get $result) (local.get $bestGain))
    (i32.store offset=8 (local.get $result) (local.get $bestPosition))
    (i32.store offset=12 (local.get $result) (local.get $bestBin))
    (i32.store offset=16 (local.get $result) (local.get $bestMissing))))
