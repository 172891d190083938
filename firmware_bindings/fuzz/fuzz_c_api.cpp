// libFuzzer harness for the C API: the fuzz input chooses every argument (channel counts, filter
// coefficients, resampling ratio, taps, window/hop, chunk sizes, normalisation, NaN/inf samples, NULL
// and short buffers) and drives init/process sequences. Nothing may crash, read or write out of
// bounds (ASan), or hit undefined behaviour (UBSan); bad arguments must come back as status codes.
//
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DWEARSDK_FUZZ=ON
//   cmake --build build-fuzz && build-fuzz/fuzz_c_api -runs=100000
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "wear_dsp.h"

namespace {

struct Reader {
    const uint8_t *p;
    size_t n;
    uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    int32_t range(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(byte() % (hi - lo + 1)); }
    float sample() {
        switch (byte() % 16) {
            case 0: return NAN;
            case 1: return INFINITY;
            case 2: return -1e30f;
            case 3: return 0.0f;
            default: return (static_cast<int>(byte()) - 128) / 16.0f;
        }
    }
    float coeff() { return (static_cast<int>(byte()) - 128) / 64.0f; }
};

void fuzz_sos_and_quality(Reader &r) {
    const int32_t ch = r.range(1, 12), sections = r.range(0, WEAR_SOS_MAX_SECTIONS + 1);
    std::vector<float> sos(static_cast<size_t>(sections + 1) * 6);
    for (int32_t s = 0; s < sections; ++s) {
        for (int k = 0; k < 6; ++k) sos[6 * s + k] = r.coeff();
        if (r.byte() % 4) sos[6 * s + 3] = 1.0f;  // mostly valid a0
    }
    const size_t state_len = wear_sos_state_len(sections, ch) + r.range(-1, 1);
    std::vector<wear_sos_state_t> state(state_len + 1);
    wear_sos f;
    if (wear_sos_init(&f, sos.data(), sections, ch, state.data(), state_len) != WEAR_OK) return;
    for (int call = r.range(1, 4); call > 0; --call) {
        const int32_t n = r.range(0, 300);
        std::vector<float> x(static_cast<size_t>(ch) * (n + 1));
        for (auto &v : x) v = r.sample();
        std::vector<float> y(x.size());
        wear_sos_process(&f, x.data(), n, r.byte() % 8 ? y.data() : x.data(), n, n);
        std::vector<wear_quality> q(ch);
        if (n > 0) wear_quality_compute(x.data(), n, ch, n, r.coeff() * r.coeff(), q.data());
    }
}

void fuzz_resampler(Reader &r) {
    const int32_t ch = r.range(1, 9), up = r.range(1, 8), down = r.range(1, 8), taps = r.range(1, 40);
    std::vector<float> bank(static_cast<size_t>(up) * taps);
    for (auto &v : bank) v = r.coeff();
    const size_t hist_len = wear_resampler_state_len(taps, ch) + r.range(-1, 1);
    std::vector<float> hist(hist_len + 1);
    wear_resampler rs;
    if (wear_resampler_init(&rs, bank.data(), up, down, taps, ch, hist.data(), hist_len) != WEAR_OK) return;
    for (int call = r.range(1, 6); call > 0; --call) {
        const int32_t n = r.range(0, 200);
        std::vector<float> x(static_cast<size_t>(ch) * (n + 1));
        for (auto &v : x) v = r.sample();
        const int32_t cap = wear_resampler_out_len(&rs, n) + r.range(-1, 1);
        std::vector<float> y(static_cast<size_t>(ch) * (cap > 0 ? cap : 1));
        int32_t written = 0;
        wear_resampler_process(&rs, x.data(), n, n, y.data(), cap > 0 ? cap : 1, cap, &written);
    }
}

void fuzz_pipeline(Reader &r) {
    const int32_t ch = r.range(1, 5), up = r.range(1, 4), down = r.range(1, 6), taps = r.range(1, 24);
    const int32_t window = r.range(1, 96), hop = r.range(0, 100), norm = r.range(0, 3);
    const int32_t sections = r.range(0, 4);
    std::vector<float> sos(static_cast<size_t>(sections + 1) * 6), bank(static_cast<size_t>(up) * taps);
    for (int32_t s = 0; s < sections; ++s) {
        for (int k = 0; k < 6; ++k) sos[6 * s + k] = r.coeff() * 0.5f;
        sos[6 * s + 3] = 1.0f;
    }
    for (auto &v : bank) v = r.coeff();
    wear_pipeline_config cfg = {{sections ? sos.data() : nullptr, sections, bank.data(), up, down, taps, ch, norm,
                                 1e-6f},
                                window,
                                hop};
    wear_pipeline_sizes sz;
    if (wear_pipeline_sizes_for(&cfg, &sz) != WEAR_OK) return;
    std::vector<wear_sos_state_t> fstate(sz.filter_state + 1);
    std::vector<float> hist(sz.resampler_state + 1), ring(sz.ring), work(sz.work), out(sz.ring),
        scratch(sz.window_scratch + 1);
    wear_pipeline p;
    if (wear_pipeline_init(&p, &cfg, fstate.data(), sz.filter_state, hist.data(), sz.resampler_state, ring.data(),
                           sz.ring, work.data(), sz.work) != WEAR_OK)
        return;
    for (int call = r.range(1, 8); call > 0; --call) {
        const int32_t n = r.range(0, 150);
        std::vector<float> x(static_cast<size_t>(ch) * (n + 1));
        for (auto &v : x) v = r.sample();
        int32_t off = 0, consumed = 0, ready = 0, guard = 0;
        do {
            if (wear_pipeline_process(&p, x.data() + off, n, n - off, &consumed, out.data(), window, &ready,
                                      scratch.data(), sz.window_scratch) != WEAR_OK)
                break;
            off += consumed;
        } while ((ready || off < n) && ++guard < 100000);
        if (r.byte() % 16 == 0) wear_pipeline_reset(&p);
    }
}

void fuzz_null_and_sizes(Reader &r) {
    float buf[64] = {0};
    wear_sos f;
    std::memset(&f, r.byte(), sizeof f);  // garbage struct: must be NOT_INIT, not a crash
    f.magic = 0;
    wear_sos_process(&f, buf, 8, buf, 8, 8);
    wear_normalize(r.byte() % 2 ? buf : nullptr, 8, buf, 8, r.range(-1, 4), r.range(-1, 8),
                   static_cast<wear_norm>(r.range(-1, 3)), r.coeff(), r.byte() % 2 ? buf : nullptr, r.range(0, 9));
    wear_quality q[4];
    wear_quality_compute(r.byte() % 2 ? buf : nullptr, 16, r.range(-1, 4), r.range(-1, 16), r.coeff(), q);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Reader r{data, size};
    switch (r.byte() % 4) {
        case 0: fuzz_sos_and_quality(r); break;
        case 1: fuzz_resampler(r); break;
        case 2: fuzz_pipeline(r); break;
        default: fuzz_null_and_sizes(r); break;
    }
    return 0;
}
