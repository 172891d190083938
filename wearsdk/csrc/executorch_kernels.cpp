// ExecuTorch kernels for the .out overloads of torch.ops.wearsdk.*: the ExecuTorch face of the
// wearsdk DSP core. Loaded with ctypes.CDLL(path, RTLD_GLOBAL) before a program that uses them
// (wearsdk.runtime does this), or linked into a firmware/app runner.
//
// Kernels are registered boxed: the operators return several tensors, which EXECUTORCH_LIBRARY's
// unboxing wrapper does not support. The emitter lays the stack out as the schema's arguments in
// order (out tensors last), followed by the returned values. Kernels never allocate: the memory
// planner provides every output, and wear_preprocess works in the output's own buffers.
#include <executorch/runtime/core/evalue.h>
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/platform/log.h>

#include <cstring>

#include "op_checks.hpp"
#include "wear_dsp.h"

namespace {

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::EValue;
using executorch::runtime::KernelRuntimeContext;
using executorch::runtime::Span;
using wear::ops::resample_len_ok;
using wear::ops::resample_out_len;

constexpr int kMaxDim = 16;
constexpr ScalarType kSosState = sizeof(wear_sos_state_t) == 8 ? ScalarType::Double : ScalarType::Float;

struct Shape {
    executorch::aten::SizesType d[kMaxDim];
    size_t n = 0;
};

bool fail(KernelRuntimeContext &ctx, const char *op, const char *why) {
    ET_LOG(Error, "wearsdk::%s: %s", op, why);
    ctx.fail(Error::InvalidArgument);
    return false;
}

bool is_signal(KernelRuntimeContext &ctx, const Tensor &x, const char *op) {
    if (x.scalar_type() != ScalarType::Float) return fail(ctx, op, "expected float32 input");
    if (x.dim() < 1 || x.dim() >= kMaxDim || x.size(x.dim() - 1) <= 0)
        return fail(ctx, op, "expected (..., samples) with samples > 0");
    if (x.size(x.dim() - 1) > INT32_MAX || x.numel() / x.size(x.dim() - 1) > INT32_MAX)
        return fail(ctx, op, "at most 2^31-1 samples and rows per call");
    return true;
}

// The signal's leading dims followed by `tail`.
Shape lead_with(const Tensor &x, std::initializer_list<int64_t> tail) {
    Shape s;
    for (ssize_t i = 0; i + 1 < x.dim(); ++i) s.d[s.n++] = x.size(i);
    for (int64_t t : tail) s.d[s.n++] = static_cast<executorch::aten::SizesType>(t);
    return s;
}

bool same_shape(const Tensor &t, const Shape &s) {
    if (static_cast<size_t>(t.dim()) != s.n) return false;
    for (size_t i = 0; i < s.n; ++i)
        if (t.size(i) != s.d[i]) return false;
    return true;
}

bool resize_to(KernelRuntimeContext &ctx, Tensor &t, const Shape &s, const char *op,
               ScalarType dtype = ScalarType::Float) {
    if (t.scalar_type() != dtype) return fail(ctx, op, "an output has the wrong dtype");
    if (executorch::runtime::resize_tensor(t, {s.d, s.n}) != Error::Ok)
        return fail(ctx, op, "cannot resize an output to the expected shape");
    return true;
}

bool check(KernelRuntimeContext &ctx, wear_status st, const char *op) {
    if (st == WEAR_OK) return true;
    ET_LOG(Error, "wearsdk::%s: %s", op, wear_status_str(st));
    ctx.fail(Error::InvalidArgument);
    return false;
}

int32_t rows_of(const Tensor &x) { return static_cast<int32_t>(x.numel() / x.size(x.dim() - 1)); }

bool check_sos(KernelRuntimeContext &ctx, const Tensor &sos, const char *op) {
    if (sos.scalar_type() != ScalarType::Float || sos.dim() != 2 || sos.size(1) != 6 ||
        sos.size(0) > WEAR_SOS_MAX_SECTIONS)
        return fail(ctx, op, "sos must be float32 (n_sections, 6)");
    return true;
}

bool check_bank(KernelRuntimeContext &ctx, const Tensor &bank, int64_t up, int64_t down, const char *op) {
    if (up < 1 || down < 1) return fail(ctx, op, "up and down must be >= 1");
    if (bank.scalar_type() != ScalarType::Float || bank.dim() != 2 || bank.size(0) != up || bank.size(1) < 1 ||
        bank.size(1) > WEAR_RESAMPLE_MAX_TAPS)
        return fail(ctx, op, "bank must be float32 (up, taps)");
    return true;
}

// sosfilt.out(Tensor x, Tensor sos, Tensor zi, *, Tensor(a!) y, Tensor(b!) zf)
void sosfilt_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
    const char *op = "sosfilt.out";
    if (stack.size() < 5) return (void)fail(ctx, op, "wrong number of arguments");
    const Tensor &x = stack[0]->toTensor();
    const Tensor &sos = stack[1]->toTensor();
    const Tensor &zi = stack[2]->toTensor();
    Tensor &y = stack[3]->toTensor();
    Tensor &zf = stack[4]->toTensor();
    if (!is_signal(ctx, x, op) || !check_sos(ctx, sos, op)) return;
    const int32_t S = static_cast<int32_t>(sos.size(0)), n = static_cast<int32_t>(x.size(x.dim() - 1));
    const Shape zs = lead_with(x, {S, 2});
    if (S < 1 || zi.scalar_type() != kSosState || !same_shape(zi, zs))
        return (void)fail(ctx, op, "zi must be float64 (..., n_sections, 2)");
    if (!resize_to(ctx, y, lead_with(x, {n}), op) || !resize_to(ctx, zf, zs, op, kSosState)) return;
    wear_sos f;
    wear_sos_state_t *state = zf.mutable_data_ptr<wear_sos_state_t>();
    if (!check(ctx, wear_sos_init(&f, sos.const_data_ptr<float>(), S, rows_of(x), state, zf.numel()), op)) return;
    std::memcpy(state, zi.const_data_ptr<wear_sos_state_t>(), sizeof(wear_sos_state_t) * zi.numel());
    check(ctx, wear_sos_process(&f, x.const_data_ptr<float>(), n, y.mutable_data_ptr<float>(), n, n), op);
}

// resample.out(Tensor x, Tensor bank, Tensor zi, int up, int down, *, Tensor(a!) y, Tensor(b!) zf)
void resample_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
    const char *op = "resample.out";
    if (stack.size() < 7) return (void)fail(ctx, op, "wrong number of arguments");
    const Tensor &x = stack[0]->toTensor();
    const Tensor &bank = stack[1]->toTensor();
    const Tensor &zi = stack[2]->toTensor();
    const int64_t up = stack[3]->toInt(), down = stack[4]->toInt();
    Tensor &y = stack[5]->toTensor();
    Tensor &zf = stack[6]->toTensor();
    if (!is_signal(ctx, x, op) || !check_bank(ctx, bank, up, down, op)) return;
    const int64_t n = x.size(x.dim() - 1), taps = bank.size(1);
    if (!resample_len_ok(n, up, down)) return (void)fail(ctx, op, "samples * up must be a multiple of down");
    const Shape zs = lead_with(x, {taps - 1});
    if (zi.scalar_type() != ScalarType::Float || !same_shape(zi, zs))
        return (void)fail(ctx, op, "zi must be float32 (..., taps - 1)");
    const int64_t n_out = resample_out_len(n, up, down);
    if (!resize_to(ctx, y, lead_with(x, {n_out}), op) || !resize_to(ctx, zf, zs, op)) return;
    wear_resampler r;
    float *hist = zf.mutable_data_ptr<float>();
    if (!check(ctx,
               wear_resampler_init(&r, bank.const_data_ptr<float>(), static_cast<int32_t>(up),
                                   static_cast<int32_t>(down), static_cast<int32_t>(taps), rows_of(x), hist,
                                   zf.numel()),
               op))
        return;
    std::memcpy(hist, zi.const_data_ptr<float>(), sizeof(float) * zi.numel());
    int32_t written = 0;
    check(ctx,
          wear_resampler_process(&r, x.const_data_ptr<float>(), n, static_cast<int32_t>(n),
                                 y.mutable_data_ptr<float>(), n_out, static_cast<int32_t>(n_out), &written),
          op);
}

// zscore.out(Tensor x, bool robust=False, float eps=1e-8, *, Tensor(a!) out)
void zscore_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
    const char *op = "zscore.out";
    if (stack.size() < 4) return (void)fail(ctx, op, "wrong number of arguments");
    const Tensor &x = stack[0]->toTensor();
    const bool robust = stack[1]->toBool();
    const double eps = stack[2]->toDouble();
    Tensor &y = stack[3]->toTensor();
    if (!is_signal(ctx, x, op)) return;
    if (robust) return (void)fail(ctx, op, "robust z-score needs scratch memory; use preprocess.out with norm=2");
    const int32_t n = static_cast<int32_t>(x.size(x.dim() - 1));
    if (!resize_to(ctx, y, lead_with(x, {n}), op)) return;
    check(ctx,
          wear_normalize(x.const_data_ptr<float>(), n, y.mutable_data_ptr<float>(), n, rows_of(x), n,
                         WEAR_NORM_ZSCORE, static_cast<float>(eps), nullptr, 0),
          op);
}

// quality.out(Tensor x, float flat_tol=0.0, *, Tensor(a!) out)
void quality_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
    const char *op = "quality.out";
    if (stack.size() < 3) return (void)fail(ctx, op, "wrong number of arguments");
    const Tensor &x = stack[0]->toTensor();
    const double flat_tol = stack[1]->toDouble();
    Tensor &out = stack[2]->toTensor();
    if (!is_signal(ctx, x, op) || !resize_to(ctx, out, lead_with(x, {3}), op)) return;
    const int32_t n = static_cast<int32_t>(x.size(x.dim() - 1));
    check(ctx,
          wear_quality_compute(x.const_data_ptr<float>(), n, rows_of(x), n, static_cast<float>(flat_tol),
                               reinterpret_cast<wear_quality *>(out.mutable_data_ptr<float>())),
          op);
}

// preprocess.out(Tensor x, Tensor sos, Tensor zi, Tensor bank, Tensor hist, int up, int down, int norm,
//                float eps, *, Tensor(a!) y, Tensor(b!) zf, Tensor(c!) hist_out)
void preprocess_out(KernelRuntimeContext &ctx, Span<EValue *> stack) {
    const char *op = "preprocess.out";
    if (stack.size() < 12) return (void)fail(ctx, op, "wrong number of arguments");
    const Tensor &x = stack[0]->toTensor();
    const Tensor &sos = stack[1]->toTensor();
    const Tensor &zi = stack[2]->toTensor();
    const Tensor &bank = stack[3]->toTensor();
    const Tensor &hist = stack[4]->toTensor();
    const int64_t up = stack[5]->toInt(), down = stack[6]->toInt(), norm = stack[7]->toInt();
    const double eps = stack[8]->toDouble();
    Tensor &y = stack[9]->toTensor();
    Tensor &zf = stack[10]->toTensor();
    Tensor &hist_out = stack[11]->toTensor();
    if (!is_signal(ctx, x, op) || !check_sos(ctx, sos, op) || !check_bank(ctx, bank, up, down, op)) return;
    if (norm == 2) return (void)fail(ctx, op, "robust normalisation needs scratch memory; use norm 0 or 1");
    if (norm < 0 || norm > 1) return (void)fail(ctx, op, "norm must be 0 (none) or 1 (zscore)");
    const bool resampling = !(up == 1 && down == 1);
    const int64_t S = sos.size(0), taps = resampling ? bank.size(1) : 1, n = x.size(x.dim() - 1);
    if (!resample_len_ok(n, up, down)) return (void)fail(ctx, op, "samples * up must be a multiple of down");
    const Shape zs = lead_with(x, {S, 2}), hs = lead_with(x, {taps - 1});
    if (zi.scalar_type() != kSosState || !same_shape(zi, zs))
        return (void)fail(ctx, op, "zi must be float64 (..., n_sections, 2)");
    if (hist.scalar_type() != ScalarType::Float || !same_shape(hist, hs))
        return (void)fail(ctx, op, "hist must be float32 (..., taps - 1)");
    const int64_t n_out = resample_out_len(n, up, down);
    if (!resize_to(ctx, y, lead_with(x, {n_out}), op) || !resize_to(ctx, zf, zs, op, kSosState) ||
        !resize_to(ctx, hist_out, hs, op))
        return;
    const int32_t rows = rows_of(x);
    const wear_preprocess_config cfg = wear::ops::preprocess_config(
        sos.const_data_ptr<float>(), S, bank.const_data_ptr<float>(), up, down, taps, rows, norm, eps);
    wear_preprocess p;
    // Each stage keeps its state directly in its output tensor: no scratch, no allocation.
    if (!check(ctx,
               wear_preprocess_init(&p, &cfg, zf.mutable_data_ptr<wear_sos_state_t>(), zf.numel(),
                                    hist_out.mutable_data_ptr<float>(), hist_out.numel()),
               op))
        return;
    std::memcpy(zf.mutable_data_ptr<wear_sos_state_t>(), zi.const_data_ptr<wear_sos_state_t>(),
                sizeof(wear_sos_state_t) * zi.numel());
    std::memcpy(hist_out.mutable_data_ptr<float>(), hist.const_data_ptr<float>(), sizeof(float) * hist.numel());
    int32_t written = 0;
    check(ctx,
          wear_preprocess_process(&p, x.const_data_ptr<float>(), n, static_cast<int32_t>(n),
                                  y.mutable_data_ptr<float>(), n_out, static_cast<int32_t>(n_out), &written,
                                  nullptr, 0),
          op);
}

const executorch::runtime::Kernel kKernels[] = {
    executorch::runtime::Kernel("wearsdk::sosfilt.out", sosfilt_out),
    executorch::runtime::Kernel("wearsdk::resample.out", resample_out),
    executorch::runtime::Kernel("wearsdk::zscore.out", zscore_out),
    executorch::runtime::Kernel("wearsdk::quality.out", quality_out),
    executorch::runtime::Kernel("wearsdk::preprocess.out", preprocess_out),
};

const Error kRegistered =
    executorch::runtime::register_kernels({kKernels, sizeof(kKernels) / sizeof(kKernels[0])});

}  // namespace

// For wearsdk doctor / runtime: 1 when every kernel registered with the ExecuTorch runtime.
extern "C" int wearsdk_executorch_kernels_registered(void) { return kRegistered == Error::Ok ? 1 : 0; }
