;; A component with eight tables that grows each, a thousand entries at a time and then one at a
;; time, for as long as it grows, then traps. Tables live in the worker's JS heap, but V8 grows one
;; in a single runtime call the heap limit cannot interrupt: eight growing tables brought the whole
;; process down before tables were capped.
(component
  (core module $tables
    (table $t0 (export "table-0") 1 externref)
    (table $t1 (export "table-1") 1 externref)
    (table $t2 (export "table-2") 1 externref)
    (table $t3 (export "table-3") 1 externref)
    (table $t4 (export "table-4") 1 externref)
    (table $t5 (export "table-5") 1 externref)
    (table $t6 (export "table-6") 1 externref)
    (table $t7 (export "table-7") 1 externref)
    (func (export "grow")
      (block $full-0-1000
        (loop $more-0-1000
          (br_if $full-0-1000
            (i32.eq (table.grow $t0 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-0-1000)))
      (block $full-0-1
        (loop $more-0-1
          (br_if $full-0-1
            (i32.eq (table.grow $t0 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-0-1)))
      (block $full-1-1000
        (loop $more-1-1000
          (br_if $full-1-1000
            (i32.eq (table.grow $t1 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-1-1000)))
      (block $full-1-1
        (loop $more-1-1
          (br_if $full-1-1
            (i32.eq (table.grow $t1 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-1-1)))
      (block $full-2-1000
        (loop $more-2-1000
          (br_if $full-2-1000
            (i32.eq (table.grow $t2 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-2-1000)))
      (block $full-2-1
        (loop $more-2-1
          (br_if $full-2-1
            (i32.eq (table.grow $t2 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-2-1)))
      (block $full-3-1000
        (loop $more-3-1000
          (br_if $full-3-1000
            (i32.eq (table.grow $t3 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-3-1000)))
      (block $full-3-1
        (loop $more-3-1
          (br_if $full-3-1
            (i32.eq (table.grow $t3 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-3-1)))
      (block $full-4-1000
        (loop $more-4-1000
          (br_if $full-4-1000
            (i32.eq (table.grow $t4 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-4-1000)))
      (block $full-4-1
        (loop $more-4-1
          (br_if $full-4-1
            (i32.eq (table.grow $t4 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-4-1)))
      (block $full-5-1000
        (loop $more-5-1000
          (br_if $full-5-1000
            (i32.eq (table.grow $t5 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-5-1000)))
      (block $full-5-1
        (loop $more-5-1
          (br_if $full-5-1
            (i32.eq (table.grow $t5 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-5-1)))
      (block $full-6-1000
        (loop $more-6-1000
          (br_if $full-6-1000
            (i32.eq (table.grow $t6 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-6-1000)))
      (block $full-6-1
        (loop $more-6-1
          (br_if $full-6-1
            (i32.eq (table.grow $t6 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-6-1)))
      (block $full-7-1000
        (loop $more-7-1000
          (br_if $full-7-1000
            (i32.eq (table.grow $t7 (ref.null extern) (i32.const 1000)) (i32.const -1)))
          (br $more-7-1000)))
      (block $full-7-1
        (loop $more-7-1
          (br_if $full-7-1
            (i32.eq (table.grow $t7 (ref.null extern) (i32.const 1)) (i32.const -1)))
          (br $more-7-1)))
      unreachable))
  (core instance $instance (instantiate $tables))
  (func (export "interest") (canon lift (core func $instance "grow")))
  (func (export "select") (canon lift (core func $instance "grow"))))
