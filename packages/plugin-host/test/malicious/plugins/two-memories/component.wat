;; A component with two memories: one core module, instantiated twice. Each call grows both
;; memories a MiB at a time for as long as they grow, then traps. Capping each memory at the whole
;; cap would let it have twice the cap.
(component
  (core module $grower
    (memory (export "memory") 1)
    (func (export "grow-all")
      (block $full
        (loop $more
          (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
          (br $more)))))
  (core instance $first (instantiate $grower))
  (core instance $second (instantiate $grower))
  (core module $main
    (import "first" "grow-all" (func $grow-first))
    (import "second" "grow-all" (func $grow-second))
    (func (export "run") (result i32)
      call $grow-first
      call $grow-second
      unreachable))
  (core instance $instance
    (instantiate $main (with "first" (instance $first)) (with "second" (instance $second))))
  (func (export "interest") (result u32) (canon lift (core func $instance "run")))
  (func (export "select") (result u32) (canon lift (core func $instance "run"))))
