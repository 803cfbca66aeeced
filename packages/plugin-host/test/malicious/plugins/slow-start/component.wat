;; A component whose start code never ends: instantiating it runs the core module's start
;; function, which spins, so the plugin never finishes loading.
(component
  (core module $spins-at-start
    (func $spin (loop $forever (br $forever)))
    (start $spin)
    (func (export "answer") (result i32) i32.const 0))
  (core instance $instance (instantiate $spins-at-start))
  (func (export "interest") (result u32) (canon lift (core func $instance "answer")))
  (func (export "select") (result u32) (canon lift (core func $instance "answer"))))
