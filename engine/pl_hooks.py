"""Reading a model that ``torch.fx`` cannot trace: its chain of layers, from forward hooks.

A model whose ``forward`` branches on values or calls Python that fx cannot follow is
run once on an example batch with a forward hook on every leaf module. When each layer
reads exactly what the one before it returned (or a reshaped view of it), the model is
that chain of layers, and its steps are those of the layers. Anything else (a residual
addition, a functional call between layers) cannot be seen by hooks, and the model is
refused with both reasons.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from engine.pl_modules import module_step
from engine.pl_steps import EXAMPLE_BATCH, GraphStep, PLGraph, replace_step, with_last_use


def _refusal(trace_error: Exception, why: str) -> ValueError:
    return ValueError(
        f"torch.fx could not trace the model ({type(trace_error).__name__}: {trace_error}), "
        f"and forward hooks could not read it either: {why}"
    )


def record_chain(model: nn.Module, input_shape: tuple[int, ...], trace_error: Exception) -> PLGraph:
    """The steps of ``model`` read as a chain of leaf modules with forward hooks.

    Raises
    ------
    ValueError
        If the model is not such a chain, or a layer is not piecewise linear; the message
        gives the tracing error too.
    """
    try:
        recorded = copy.deepcopy(model).to(torch.float64).eval()
    except Exception as error:
        raise _refusal(trace_error, f"the model cannot be copied ({error})") from error
    records: list[tuple[str, nn.Module, tuple, object]] = []

    def hook(name):
        return lambda module, inputs, output: records.append((name, module, inputs, output))

    handles = [
        module.register_forward_hook(hook(name))
        for name, module in recorded.named_modules()
        if not list(module.children())
    ]
    x = torch.randn((EXAMPLE_BATCH, *input_shape), dtype=torch.float64)
    try:
        with torch.no_grad():
            output = recorded(x)
    except Exception as error:
        raise _refusal(trace_error, f"the model fails on inputs of shape {input_shape}") from error
    finally:
        for handle in handles:
            handle.remove()
    if not records:
        raise _refusal(trace_error, "the model has no layers")

    steps: list[GraphStep] = []
    previous, previous_name = x, "input"
    folded = set()
    for index, (name, module, inputs, out) in enumerate(records):
        kind = f"{type(module).__name__} '{name}' (recorded)"
        if len(inputs) != 1 or not isinstance(out, torch.Tensor):
            raise _refusal(trace_error, f"layer '{name}' does not map one tensor to one tensor")
        source = _reshaped_from(inputs[0], previous, previous_name, steps, f"{name}.input")
        if source is None:
            raise _refusal(
                trace_error,
                f"layer '{name}' does not read what the layer before it returned (a "
                f"residual addition or a function call between layers needs torch.fx)",
            )
        if index in folded:
            previous, previous_name = out, steps[-1].name
            continue
        fold = None
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)) and index + 1 < len(
            records
        ):
            following = records[index + 1]
            if isinstance(following[1], nn.modules.batchnorm._BatchNorm) and (
                following[2][0] is out and following[1].track_running_stats
            ):
                fold = following[1]
                folded.add(index + 1)
        step_name = name.replace(".", "_") or "layer"
        in_shape = tuple(inputs[0].shape[1:])
        step = module_step(step_name, kind, module, source, in_shape, fold=fold)
        steps.append(replace_step(step, shape=tuple(out.shape[1:])))
        previous, previous_name = out, step_name
    source = _reshaped_from(output, previous, previous_name, steps, "output")
    if source is None:
        raise _refusal(trace_error, "the output is not what the last layer returned")
    warnings.warn(
        f"torch.fx could not trace the model ({type(trace_error).__name__}: {trace_error}); "
        f"its {len(steps)} layers were recorded with forward hooks on one example input "
        f"instead, so any branch in its forward is taken as for that input",
        RuntimeWarning,
        stacklevel=3,
    )
    return with_last_use(steps, "input", input_shape, source, "forward hooks")


def _reshaped_from(tensor, previous, previous_name, steps, name) -> str | None:
    """The name of the value ``tensor`` is: ``previous`` itself, or a reshape of it
    (a new step is appended then); None if it is neither."""
    if tensor is previous:
        return previous_name
    same_memory = (
        isinstance(tensor, torch.Tensor)
        and tensor.untyped_storage().data_ptr() == previous.untyped_storage().data_ptr()
        and tensor.shape[0] == previous.shape[0]
        and tensor[0].numel() == previous[0].numel()
        and tensor.is_contiguous()
        and previous.is_contiguous()
        and tensor.storage_offset() == previous.storage_offset()
    )
    if not same_memory:
        return None
    shape = tuple(tensor.shape[1:])
    step_name = name.replace(".", "_")
    steps.append(
        GraphStep(
            name=step_name,
            kind="affine",
            op="reshape (recorded)",
            inputs=(previous_name,),
            compute=lambda env, src=previous_name, s=shape: env[src].reshape(-1, *s),
            shape=shape,
        )
    )
    return step_name
