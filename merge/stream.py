"""Streaming executor: parents read chunk by chunk, merged, written to shards, in bounded memory.

Three things overlap: a thread pool reads the next chunk of every parent (os.preadv releases the
GIL), the calling thread merges the current chunk (torch kernels release it too), and a writer
thread writes finished chunks. Memory is a few chunks per parent and per output, whatever the
model size: a 70B model's 2 GB embedding streams through the same buffers as a 64 KB norm.

One read feeds several plans (`run([plan_a, plan_b], ...)`): a disk-mode sweep writes K candidates
from one pass over the parents. Every input chunk of the output pass is checked for NaN/Inf (a sum
per chunk, re-checked element-wise only when it is not finite), and the merge stops with the
parent and tensor named.

Example:
    stats = run([plan], parents, [ShardedWriter(out, plan_outputs(plan))], progress=print)
    stats.bytes_read, stats.bytes_written, stats.seconds
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import torch

from thaibench.errors import UserError
from thaibench.merge.digest import FileHashers, file_order
from thaibench.merge.method import CHUNK, Chunk
from thaibench.merge.plan import MergePlan, TensorOp
from thaibench.merge.stio import Checkpoint, OutTensor, ShardedWriter

QUEUE = 4        # finished chunks waiting for the writer


@dataclass
class Stats:
    bytes_read: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    tensors: int = 0


def plan_outputs(plan: MergePlan) -> list[OutTensor]:
    return [OutTensor(op.name, op.out_dtype, op.shape) for op in plan.ops]


class _Buffers:
    """A fixed set of uint8 buffers, allocated once by the merging thread and recycled: memory is
    bounded by construction (a taker waits for a free buffer), and no chunk pays fresh-page
    faults or leaves freed blocks scattered over the reader threads' malloc arenas."""

    def __init__(self, nbytes: int, count: int) -> None:
        self.free: queue.Queue = queue.Queue()
        for _ in range(count):
            self.free.put(torch.empty(nbytes, dtype=torch.uint8))

    def get(self) -> torch.Tensor:
        return self.free.get()

    def put(self, buf: torch.Tensor) -> None:
        self.free.put(buf)


def check_finite(values: torch.Tensor, op: TensorOp, inputs: Sequence[torch.Tensor], who: Sequence[str]) -> None:
    """Every merge method carries a NaN/Inf of any input into its output (0 * NaN is NaN), so one
    sum over the result chunk finds them; only then are the inputs searched for the culprit."""
    if bool(torch.isfinite(values.sum())) or bool(torch.isfinite(values).all()):
        return   # (a finite chunk whose sum overflows is re-checked element-wise)
    for x, name in zip(inputs, who, strict=True):
        if x.is_floating_point() and not bool(torch.isfinite(x).all()):
            raise UserError(f"parent {name} has NaN or Inf in {op.name}; refusing to merge it")
    raise UserError(f"the merge produced NaN or Inf in {op.name}; check its parameters (weights, t, density)")


@dataclass(frozen=True)
class _Step:
    tensor: int
    kind: str                          # "pass" | "apply" | "tail"
    pass_index: int
    chunk: int
    a: int
    b: int
    keys: tuple[tuple[int, str], ...]  # (parent, tensor name) to read
    last: bool                         # last chunk of this pass


def _steps(plans: Sequence[MergePlan], order: Sequence[int]) -> list[_Step]:
    steps = []
    for t in order:
        ops = [p.ops[t] for p in plans]
        if len({(op.merged, op.numel) for op in ops}) != 1:
            raise ValueError(f"plans disagree on the rows of {ops[0].name}")
        chunks, tail = ops[0].chunks(), ops[0].tail_chunks()
        keys = tuple(dict.fromkeys((i, s) for op in ops for i, s in zip(op.inputs, op.sources, strict=True)))
        n_pass = max((op.method.passes(op) for op in ops if op.method is not None), default=0)
        for p in range(n_pass):
            pkeys = tuple(dict.fromkeys((i, s) for op in ops if op.method is not None and op.method.passes(op) > p
                                        for i, s in zip(op.inputs, op.sources, strict=True)))
            steps += [_Step(t, "pass", p, c, a, b, pkeys, c == len(chunks) - 1) for c, (a, b) in enumerate(chunks)]
        steps += [_Step(t, "apply", 0, c, a, b, keys, False) for c, (a, b) in enumerate(chunks)]
        tkeys = tuple(dict.fromkeys((op.copy_from, op.name) for op in ops if op.copy_from is not None))
        steps += [_Step(t, "tail", 0, c, a, b, tkeys, False) for c, (a, b) in enumerate(tail)]
    return steps


def run(plans: Sequence[MergePlan], parents: Sequence[Any], writers: Sequence[ShardedWriter],
        progress: Callable[[int, int], None] | None = None, threads: int | None = None,
        hashers: FileHashers | None = None) -> Stats:
    """Execute `plans` (same parents, same tensor order) into `writers`; return the byte counts.

    The kernels run with one core fewer than the machine has (torch's intra-op threads, restored
    afterwards): the readers, the writer and the parents' digests need a core, and element-wise
    kernels on 1 MiB chunks gain little from more threads but lose much when a thread waits for a
    busy core at every operation's barrier.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, min(previous, (os.cpu_count() or 2) - 1)))
    try:
        return _run(plans, parents, writers, progress, threads, hashers)
    finally:
        torch.set_num_threads(previous)


def _run(plans: Sequence[MergePlan], parents: Sequence[Any], writers: Sequence[ShardedWriter],
         progress: Callable[[int, int], None] | None, threads: int | None,
         hashers: FileHashers | None) -> Stats:
    names = [op.name for op in plans[0].ops]
    for p in plans[1:]:
        if [op.name for op in p.ops] != names:
            raise ValueError("plans in one pass must have the same tensors in the same order")
    itemsize = max(t.dtype.itemsize for par in parents for t in par.tensors.values())
    # tensors in the first parent's file order: each shard is read front to back, once (the disk
    # streams, and the hashers see every byte in order); the output layout does not depend on it
    where = file_order(parents[0])
    order = sorted(range(len(names)), key=lambda t: (0, *where[names[t]]) if names[t] in where else (1, "", t))
    steps = _steps(plans, order)
    # one step's reads are held while the next step's are in flight: twice the widest step
    buffers = _Buffers(CHUNK * itemsize, 2 * max((len(st.keys) for st in steps), default=1))
    out_buffers = _Buffers(CHUNK * max(op.out_dtype.itemsize for p in plans for op in p.ops), QUEUE + 2)
    stats = Stats(tensors=len(names))
    total = sum(op.numel * op.out_dtype.itemsize for p in plans for op in p.ops)
    done = 0
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=threads or max(2, len(parents)))
    wq: queue.Queue = queue.Queue(maxsize=QUEUE)
    errors: list[BaseException] = []

    def writer_loop() -> None:
        while (item := wq.get()) is not None:
            w, name, start, values, buf = item
            try:
                if not errors:
                    w.write(name, start, values)
            except BaseException as exc:  # noqa: BLE001 - re-raised by the merging thread
                errors.append(exc)
            finally:
                out_buffers.put(buf)

    def read(step: _Step) -> dict[tuple[int, str], Future]:
        def one(key: tuple[int, str]) -> tuple[torch.Tensor, torch.Tensor]:
            buf = buffers.get()
            src = parents[key[0]].source
            view = src.read_into(key[1], step.a, step.b, buf)
            if hashers is not None and isinstance(src, Checkpoint):
                info = src.tensors[key[1]]
                hashers.feed(info.file, info.offset + step.a * info.dtype.itemsize, view)
            return view, buf
        return {k: pool.submit(one, k) for k in step.keys}

    def emit(j: int, op: TensorOp, a: int, values: torch.Tensor) -> None:
        nonlocal done
        if errors:
            raise errors[0]
        buf = out_buffers.get()
        out = buf[: values.numel() * op.out_dtype.itemsize].view(op.out_dtype)
        out.copy_(values)
        wq.put((writers[j], op.name, a, out, buf))
        done += values.numel() * op.out_dtype.itemsize
        if progress:
            progress(done, total)

    wthread = threading.Thread(target=writer_loop, name="merge-writer", daemon=True)
    wthread.start()
    try:
        pending = read(steps[0]) if steps else {}
        states: list[Any] = []
        current = -1
        for i, st in enumerate(steps):
            got = {k: f.result() for k, f in pending.items()}
            if i + 1 < len(steps):
                pending = read(steps[i + 1])
            data = {k: v[0] for k, v in got.items()}
            stats.bytes_read += sum(v.numel() * v.element_size() for v in data.values())
            if st.tensor != current:
                current = st.tensor
                states = [p.ops[current].method.start(p.ops[current]) if p.ops[current].method else None
                          for p in plans]
            for j, plan in enumerate(plans):
                op = plan.ops[st.tensor]
                if st.kind == "tail":
                    tail = data[(op.copy_from, op.name)]
                    check_finite(tail, op, [tail], [parents[op.copy_from].ref])
                    emit(j, op, st.a, tail)
                    continue
                if st.kind == "pass" and op.method.passes(op) <= st.pass_index:
                    continue
                chunk = Chunk(st.chunk, st.a, st.b, [data[k] for k in zip(op.inputs, op.sources, strict=True)])
                if st.kind == "pass":
                    op.method.accumulate(op, states[j], st.pass_index, chunk)
                    if st.last:
                        op.method.end_pass(op, states[j], st.pass_index)
                elif op.method is None:
                    if any(not torch.equal(x, chunk.inputs[0]) for x in chunk.inputs[1:]):
                        raise UserError(f"non-float tensor {op.name} differs between parents; it cannot be merged")
                    emit(j, op, st.a, chunk.inputs[0])
                else:
                    values = op.method.apply(op, states[j], chunk)
                    if op.out_dtype == torch.float16 and values.dtype != torch.float16:
                        values = values.to(torch.float16)   # float16's range is narrower: check what is written
                    check_finite(values, op, chunk.inputs, [parents[i].ref for i in op.inputs])
                    emit(j, op, st.a, values)
            for _, buf in got.values():
                buffers.put(buf)
        wq.put(None)
        wthread.join()
        if errors:
            raise errors[0]
    except BaseException:
        for f in pending.values():
            f.cancel()
        wq.put(None)
        wthread.join()
        pool.shutdown(wait=True, cancel_futures=True)
        for w in writers:
            w.abort()
        raise
    pool.shutdown(wait=True)
    stats.bytes_written = sum(w.bytes_written for w in writers)
    stats.seconds = time.perf_counter() - started
    return stats
