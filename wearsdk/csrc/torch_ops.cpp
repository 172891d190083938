// torch.ops.wearsdk.*: the torch face of the wearsdk DSP core (firmware_bindings/src).
//
// Each operator has a functional overload (used in eager code and traced by torch.export, with fake
// kernels registered from Python in wearsdk/signal/_ops.py) and an .out overload that writes into
// caller-provided tensors (the form ExecuTorch runs; its kernels live in executorch_kernels.cpp).
#include <torch/library.h>
#include <ATen/ATen.h>
#include <ATen/native/Resize.h>

#include <vector>

#include "op_checks.hpp"
#include "wear_dsp.h"

namespace {

using at::Tensor;
using wear::ops::resample_len_ok;
using wear::ops::resample_out_len;

void check_status(wear_status st, const char *what) {
    TORCH_CHECK(st == WEAR_OK, "wearsdk::", what, " failed in the DSP core: ", wear_status_str(st));
}

Tensor as_signal(const Tensor &x, const char *op) {
    TORCH_CHECK(x.scalar_type() == at::kFloat, "wearsdk::", op, ": expected float32, got ", x.scalar_type());
    TORCH_CHECK(x.device().is_cpu(), "wearsdk::", op, ": expected a CPU tensor");
    TORCH_CHECK(x.dim() >= 1 && x.size(-1) > 0, "wearsdk::", op, ": expected (..., samples) with samples > 0, got ",
                x.sizes());
    TORCH_CHECK(x.size(-1) <= INT32_MAX && x.numel() / x.size(-1) <= INT32_MAX, "wearsdk::", op,
                ": at most 2^31-1 samples and rows per call (the core counts in int32); stream it in chunks");
    return x.contiguous();
}

int64_t rows_of(const Tensor &x) { return x.numel() / x.size(-1); }

std::vector<int64_t> lead_with(const Tensor &x, std::initializer_list<int64_t> tail) {
    std::vector<int64_t> s(x.sizes().begin(), x.sizes().end() - 1);
    s.insert(s.end(), tail.begin(), tail.end());
    return s;
}

Tensor check_sos(const Tensor &sos) {
    TORCH_CHECK(sos.scalar_type() == at::kFloat && sos.dim() == 2 && sos.size(1) == 6 &&
                    sos.size(0) <= WEAR_SOS_MAX_SECTIONS,
                "wearsdk: sos must be float32 (n_sections, 6) with n_sections <= ", WEAR_SOS_MAX_SECTIONS, ", got ",
                sos.scalar_type(), " ", sos.sizes());
    return sos.contiguous();
}

// Filter state is wear_sos_state_t (double); resampler history holds input samples (float).
constexpr at::ScalarType kSosState = sizeof(wear_sos_state_t) == 8 ? at::kDouble : at::kFloat;

Tensor check_state(const Tensor &zi, const std::vector<int64_t> &expected, const char *name,
                   at::ScalarType dtype = at::kFloat) {
    TORCH_CHECK(zi.scalar_type() == dtype && zi.sizes().vec() == expected, "wearsdk: ", name, " must be ", dtype,
                " of shape ", at::IntArrayRef(expected), ", got ", zi.scalar_type(), " ", zi.sizes());
    return zi.contiguous();
}

// ---- sosfilt ----------------------------------------------------------------------------------

std::tuple<Tensor &, Tensor &> sosfilt_out(const Tensor &x_, const Tensor &sos_, const Tensor &zi_, Tensor &y,
                                           Tensor &zf) {
    const Tensor x = as_signal(x_, "sosfilt");
    const Tensor sos = check_sos(sos_);
    const int64_t S = sos.size(0), n = x.size(-1), rows = rows_of(x);
    TORCH_CHECK(S >= 1, "wearsdk::sosfilt: sos has no sections");
    const Tensor zi = check_state(zi_, lead_with(x, {S, 2}), "zi", kSosState);
    at::native::resize_output(y, x.sizes());
    at::native::resize_output(zf, zi.sizes());
    TORCH_CHECK(y.is_contiguous() && zf.is_contiguous() && zf.scalar_type() == kSosState,
                "wearsdk::sosfilt.out: outputs must be contiguous, zf of the state dtype");
    wear_sos f;
    check_status(wear_sos_init(&f, sos.const_data_ptr<float>(), S, rows, zf.mutable_data_ptr<wear_sos_state_t>(),
                               zf.numel()),
                 "sosfilt");
    zf.copy_(zi);  // init zeroed the state; the stream carries zi
    check_status(wear_sos_process(&f, x.const_data_ptr<float>(), n, y.mutable_data_ptr<float>(), n, n), "sosfilt");
    return {y, zf};
}

std::tuple<Tensor, Tensor> sosfilt(const Tensor &x, const Tensor &sos, const Tensor &zi) {
    Tensor y = at::empty({0}, x.options()), zf = at::empty({0}, x.options().dtype(kSosState));
    sosfilt_out(x, sos, zi, y, zf);
    return {y, zf};
}

// ---- resample ---------------------------------------------------------------------------------

Tensor check_bank(const Tensor &bank, int64_t up, int64_t down) {
    TORCH_CHECK(up >= 1 && down >= 1, "wearsdk::resample: up and down must be >= 1, got ", up, "/", down);
    TORCH_CHECK(bank.scalar_type() == at::kFloat && bank.dim() == 2 && bank.size(0) == up && bank.size(1) >= 1 &&
                    bank.size(1) <= WEAR_RESAMPLE_MAX_TAPS,
                "wearsdk::resample: bank must be float32 (up, taps) with taps <= ", WEAR_RESAMPLE_MAX_TAPS,
                ", got ", bank.scalar_type(), " ", bank.sizes());
    return bank.contiguous();
}

std::tuple<Tensor &, Tensor &> resample_out(const Tensor &x_, const Tensor &bank_, const Tensor &zi_, int64_t up,
                                            int64_t down, Tensor &y, Tensor &zf) {
    const Tensor x = as_signal(x_, "resample");
    const Tensor bank = check_bank(bank_, up, down);
    const int64_t taps = bank.size(1), n = x.size(-1), rows = rows_of(x);
    TORCH_CHECK(resample_len_ok(n, up, down), "wearsdk::resample: samples * up must be a multiple of down (",
                n, " * ", up, " % ", down, " != 0); pad or buffer the chunk");
    const Tensor zi = check_state(zi_, lead_with(x, {taps - 1}), "zi");
    const int64_t n_out = resample_out_len(n, up, down);
    at::native::resize_output(y, lead_with(x, {n_out}));
    at::native::resize_output(zf, zi.sizes());
    TORCH_CHECK(y.is_contiguous() && zf.is_contiguous(), "wearsdk::resample.out: outputs must be contiguous");
    wear_resampler r;
    check_status(wear_resampler_init(&r, bank.const_data_ptr<float>(), up, down, taps, rows,
                                     zf.mutable_data_ptr<float>(), zf.numel()),
                 "resample");
    zf.copy_(zi);  // init zeroed the history; the stream carries zi
    int32_t written = 0;
    check_status(wear_resampler_process(&r, x.const_data_ptr<float>(), n, n, y.mutable_data_ptr<float>(), n_out,
                                        n_out, &written),
                 "resample");
    return {y, zf};
}

std::tuple<Tensor, Tensor> resample(const Tensor &x, const Tensor &bank, const Tensor &zi, int64_t up,
                                    int64_t down) {
    Tensor y = at::empty({0}, x.options()), zf = at::empty({0}, x.options());
    resample_out(x, bank, zi, up, down, y, zf);
    return {y, zf};
}

// ---- zscore -----------------------------------------------------------------------------------

Tensor &zscore_out(const Tensor &x_, bool robust, double eps, Tensor &y) {
    const Tensor x = as_signal(x_, "zscore");
    const int64_t n = x.size(-1), rows = rows_of(x);
    at::native::resize_output(y, x.sizes());
    TORCH_CHECK(y.is_contiguous(), "wearsdk::zscore.out: output must be contiguous");
    Tensor scratch = robust ? at::empty({n}, x.options()) : Tensor();
    check_status(wear_normalize(x.const_data_ptr<float>(), n, y.mutable_data_ptr<float>(), n, rows, n,
                                robust ? WEAR_NORM_ROBUST : WEAR_NORM_ZSCORE, static_cast<float>(eps),
                                robust ? scratch.mutable_data_ptr<float>() : nullptr, robust ? n : 0),
                 "zscore");
    return y;
}

Tensor zscore(const Tensor &x, bool robust, double eps) {
    Tensor y = at::empty({0}, x.options());
    return zscore_out(x, robust, eps, y);
}

// ---- quality ----------------------------------------------------------------------------------

Tensor &quality_out(const Tensor &x_, double flat_tol, Tensor &out) {
    const Tensor x = as_signal(x_, "quality");
    const int64_t n = x.size(-1), rows = rows_of(x);
    at::native::resize_output(out, lead_with(x, {3}));
    TORCH_CHECK(out.is_contiguous() && out.scalar_type() == at::kFloat, "wearsdk::quality.out: bad output");
    static_assert(sizeof(wear_quality) == 3 * sizeof(float), "wear_quality must be three packed floats");
    check_status(wear_quality_compute(x.const_data_ptr<float>(), n, rows, n, static_cast<float>(flat_tol),
                                      reinterpret_cast<wear_quality *>(out.mutable_data_ptr<float>())),
                 "quality");
    return out;
}

Tensor quality(const Tensor &x, double flat_tol) {
    Tensor out = at::empty({0}, x.options());
    return quality_out(x, flat_tol, out);
}

// ---- preprocess -------------------------------------------------------------------------------

std::tuple<Tensor &, Tensor &, Tensor &> preprocess_out(const Tensor &x_, const Tensor &sos_, const Tensor &zi_,
                                                        const Tensor &bank_, const Tensor &hist_, int64_t up,
                                                        int64_t down, int64_t norm, double eps, Tensor &y,
                                                        Tensor &zf, Tensor &hist_out) {
    const Tensor x = as_signal(x_, "preprocess");
    TORCH_CHECK(sos_.scalar_type() == at::kFloat && sos_.dim() == 2 && sos_.size(1) == 6,
                "wearsdk::preprocess: sos must be float32 (n_sections, 6); use shape (0, 6) for no filter");
    const Tensor sos = check_sos(sos_);
    const Tensor bank = check_bank(bank_, up, down);
    const bool resampling = !(up == 1 && down == 1);
    const int64_t S = sos.size(0), taps = resampling ? bank.size(1) : 1, n = x.size(-1), rows = rows_of(x);
    TORCH_CHECK(norm >= 0 && norm <= 2, "wearsdk::preprocess: norm must be 0 (none), 1 (zscore) or 2 (robust)");
    TORCH_CHECK(resample_len_ok(n, up, down), "wearsdk::preprocess: samples * up must be a multiple of down (", n,
                " * ", up, " % ", down, " != 0)");
    const Tensor zi = check_state(zi_, lead_with(x, {S, 2}), "zi", kSosState);
    const Tensor hist = check_state(hist_, lead_with(x, {taps - 1}), "hist");
    const int64_t n_out = resample_out_len(n, up, down);
    at::native::resize_output(y, lead_with(x, {n_out}));
    at::native::resize_output(zf, zi.sizes());
    at::native::resize_output(hist_out, hist.sizes());
    TORCH_CHECK(y.is_contiguous() && zf.is_contiguous() && hist_out.is_contiguous() && zf.scalar_type() == kSosState,
                "wearsdk::preprocess.out: outputs must be contiguous, zf of the state dtype");
    const wear_preprocess_config cfg = wear::ops::preprocess_config(
        sos.const_data_ptr<float>(), S, bank.const_data_ptr<float>(), up, down, taps, rows, norm, eps);
    wear_preprocess p;
    check_status(wear_preprocess_init(&p, &cfg, zf.mutable_data_ptr<wear_sos_state_t>(), zf.numel(),
                                      hist_out.mutable_data_ptr<float>(), hist_out.numel()),
                 "preprocess");
    zf.copy_(zi);  // init zeroed the states; the stream carries zi and hist
    hist_out.copy_(hist);
    const size_t scratch_len = wear_preprocess_scratch_len(&cfg, n);
    Tensor scratch = at::empty({static_cast<int64_t>(scratch_len)}, x.options());
    int32_t written = 0;
    check_status(wear_preprocess_process(&p, x.const_data_ptr<float>(), n, n, y.mutable_data_ptr<float>(), n_out,
                                         n_out, &written, scratch.mutable_data_ptr<float>(), scratch_len),
                 "preprocess");
    return {y, zf, hist_out};
}

std::tuple<Tensor, Tensor, Tensor> preprocess(const Tensor &x, const Tensor &sos, const Tensor &zi,
                                              const Tensor &bank, const Tensor &hist, int64_t up, int64_t down,
                                              int64_t norm, double eps) {
    Tensor y = at::empty({0}, x.options()), zf = at::empty({0}, x.options().dtype(kSosState)),
           h = at::empty({0}, x.options());
    preprocess_out(x, sos, zi, bank, hist, up, down, norm, eps, y, zf, h);
    return {y, zf, h};
}

}  // namespace

TORCH_LIBRARY(wearsdk, m) {
    m.def("sosfilt(Tensor x, Tensor sos, Tensor zi) -> (Tensor y, Tensor zf)");
    m.def("sosfilt.out(Tensor x, Tensor sos, Tensor zi, *, Tensor(a!) y, Tensor(b!) zf) -> (Tensor(a!), Tensor(b!))");
    m.def("resample(Tensor x, Tensor bank, Tensor zi, int up, int down) -> (Tensor y, Tensor zf)");
    m.def(
        "resample.out(Tensor x, Tensor bank, Tensor zi, int up, int down, *, Tensor(a!) y, Tensor(b!) zf) -> "
        "(Tensor(a!), Tensor(b!))");
    m.def("zscore(Tensor x, bool robust=False, float eps=1e-8) -> Tensor");
    m.def("zscore.out(Tensor x, bool robust=False, float eps=1e-8, *, Tensor(a!) out) -> Tensor(a!)");
    m.def("quality(Tensor x, float flat_tol=0.0) -> Tensor");
    m.def("quality.out(Tensor x, float flat_tol=0.0, *, Tensor(a!) out) -> Tensor(a!)");
    m.def(
        "preprocess(Tensor x, Tensor sos, Tensor zi, Tensor bank, Tensor hist, int up, int down, int norm, "
        "float eps) -> (Tensor y, Tensor zf, Tensor hist_out)");
    m.def(
        "preprocess.out(Tensor x, Tensor sos, Tensor zi, Tensor bank, Tensor hist, int up, int down, int norm, "
        "float eps, *, Tensor(a!) y, Tensor(b!) zf, Tensor(c!) hist_out) -> (Tensor(a!), Tensor(b!), Tensor(c!))");
}

TORCH_LIBRARY_IMPL(wearsdk, CPU, m) {
    m.impl("sosfilt", &sosfilt);
    m.impl("sosfilt.out", &sosfilt_out);
    m.impl("resample", &resample);
    m.impl("resample.out", &resample_out);
    m.impl("zscore", &zscore);
    m.impl("zscore.out", &zscore_out);
    m.impl("quality", &quality);
    m.impl("quality.out", &quality_out);
    m.impl("preprocess", &preprocess);
    m.impl("preprocess.out", &preprocess_out);
}
