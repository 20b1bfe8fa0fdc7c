"""The JAX side of the base class (ganzoo.core.gan): stateful Keras code run inside JAX's transforms.

Keras' JAX trainer hands the step the values of every variable (the state) and wants their new
values back. GAN._stateless_train_step maps the state onto the variables with a StatelessScope,
in which reads see the mapped values and `assign` records the new value instead of writing it; the
family's ordinary train_step(data) runs in it unchanged. Where JAX transforms a function (grad,
lax.cond), the function runs in a scope of its own that starts from the enclosing one's values,
and the values it assigned (batch-norm statistics, seed states, loss trackers) come out of the
transform as outputs and are recorded in the enclosing scope after it.
"""

import keras
from keras import ops


class StateScope(keras.StatelessScope):
    """A StatelessScope that starts from the values of the scope it is entered in (or from
    `mapping`, (variable, value) pairs), with `overrides` on top, and remembers which variables were
    assigned in it."""

    def __init__(self, overrides=(), mapping=None):
        super().__init__()
        if mapping is None:
            from keras.src.backend.common.stateless_scope import get_stateless_scope

            enclosing = get_stateless_scope()
            self.state_mapping = dict(enclosing.state_mapping) if enclosing is not None else {}
        else:
            self.state_mapping = {id(variable): value for variable, value in mapping}
        self.state_mapping.update((id(variable), value) for variable, value in overrides)
        self.assigned = {}  # id -> variable

    def add_update(self, update):
        super().add_update(update)
        self.assigned[id(update[0])] = update[0]

    def updates(self, leave_out=()):
        """(variables assigned in the scope, their new values), `leave_out` excepted."""
        skip = {id(v) for v in leave_out}
        variables = [v for key, v in self.assigned.items() if key not in skip]
        return variables, [self.state_mapping[id(v)] for v in variables]


def record(variables, values):
    """Assign values computed under a JAX transform: into the enclosing scope, else in place."""
    for variable, value in zip(variables, values):
        variable.assign(value)


def isolated(fn, overrides=()):
    """Run fn() in a StateScope; (fn's result, (assigned variables, their values))."""
    with StateScope(overrides) as scope:
        result = fn()
    return result, scope.updates(leave_out=[v for v, _ in overrides])


def value_and_grad(loss_fn, variables, has_aux=False):
    import jax

    variables = list(variables)
    assigned = []

    def loss_of(values):
        out, (touched, new_values) = isolated(loss_fn, list(zip(variables, values)))
        assigned[:] = touched
        loss, aux = out if has_aux else (out, None)
        return loss, (aux, new_values)

    (loss, (aux, new_values)), grads = jax.value_and_grad(loss_of, has_aux=True)([v.value for v in variables])
    record(assigned, new_values)
    return ((loss, aux) if has_aux else loss), grads


def input_gradients(fn, inputs):
    """d sum(fn(x)) / dx on JAX (objectives.input_gradients): jax.grad, itself differentiable,
    with what fn assigns (D's batch-norm statistics, augmentation seeds) carried out of it."""
    import jax

    assigned = []

    def total(x):
        value, (touched, new_values) = isolated(lambda: ops.sum(fn(x)))
        assigned[:] = touched
        return value, new_values

    grads, new_values = jax.grad(total, has_aux=True)(ops.convert_to_tensor(inputs))
    record(assigned, new_values)
    return grads


def run_if(condition, fn):
    """gan.run_if on JAX: fn's assignments under lax.cond where the condition is traced."""
    import jax
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    if not isinstance(condition, jax.core.Tracer):  # eager (jit_compile=False): a plain if
        if bool(condition):
            fn()
        return
    enclosing = get_stateless_scope()
    if enclosing is None:
        raise RuntimeError("run_if: a traced condition outside a train step's state scope.")
    # both branches return every value of the enclosing scope: fn's new ones, or the same
    keys = list(enclosing.state_mapping)
    assigned = {}

    def branch(run):
        def body(values):
            scope = StateScope(mapping=())
            scope.state_mapping = dict(zip(keys, values))
            if run:
                with scope:
                    fn()
                assigned.update(scope.assigned)
            unknown = [v.path for key, v in scope.assigned.items() if key not in enclosing.state_mapping]
            if unknown:
                raise RuntimeError(f"run_if: {unknown} assigned but not carried in the train step's state.")
            return [scope.state_mapping[key] for key in keys]
        return body

    new_values = dict(zip(keys, jax.lax.cond(condition, branch(True), branch(False),
                                             [enclosing.state_mapping[k] for k in keys])))
    record(list(assigned.values()), [new_values[key] for key in assigned])


def loss_scaled_apply(optimizer, grads, variables):
    """LossScaleOptimizer.apply on JAX: its apply branches with ops.cond over functions that assign
    variables, which lax.cond cannot trace; the same rule here, the update under run_if and the scale
    branch-free. Finite gradients: unscale, step, and double the scale after dynamic_growth_steps such
    steps in a row; otherwise no step, and halve it."""
    finite = optimizer.check_finite(grads)
    scale = ops.convert_to_tensor(optimizer.dynamic_scale)
    counter = ops.convert_to_tensor(optimizer.step_counter)
    unscaled = [None if g is None else g / scale for g in grads]
    run_if(finite, lambda: optimizer.inner_optimizer.apply(unscaled, variables))
    grow = ops.logical_and(finite, ops.equal(counter, optimizer.dynamic_growth_steps - 1))
    optimizer.step_counter.assign(ops.where(ops.logical_and(finite, ops.logical_not(grow)), counter + 1, 0))
    optimizer.dynamic_scale.assign(ops.where(finite, ops.where(grow, scale * 2.0, scale), scale * 0.5))


def inference(network):
    """x -> network(x, training=False), compiled by XLA once per input shape. Called uncompiled, JAX
    runs a network op by op and compiles each op on its first use: a first StyleGAN-lite sample
    took 8.8 s so, 4 s compiled."""
    import jax

    compiled = getattr(network, "_ganzoo_jax_inference", None)
    if compiled is None:
        compiled = jax.jit(
            lambda trainable, non_trainable, x: network.stateless_call(trainable, non_trainable, x, training=False)[0])
        object.__setattr__(network, "_ganzoo_jax_inference", compiled)  # past Keras' attribute tracking
    return lambda x: compiled([v.value for v in network.trainable_variables],
                              [v.value for v in network.non_trainable_variables], x)
