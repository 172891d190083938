/* Streams a raw recording through an exported wearsdk ExecuTorch program, the way a device app would:
 * sensor packets -> firmware windower (wear_dsp.h) -> ExecuTorch Module -> one output per program call.
 *
 *   wearsdk export --model ppg_encoder_compact --pretrained --streaming --quant int8 --input-rate 256 \
 *       --out out/ppg_s
 *   build/examples/cpp/wearsdk_stream_pte out/ppg_s/ppg_encoder_compact_executorch_int8_stream.pte \
 *       raw.f32 embeddings.f32
 *
 * raw.f32 holds float32 samples at the program's input rate, channel-major: a C-ordered (channels, n)
 * array, as numpy's x.astype(np.float32).tofile("raw.f32") writes it. The program says what it takes:
 * its input is (1, channels, n_in). The windower hands out an input every HOP samples:
 *   - a streaming program (--streaming) keeps its filter state and window ring inside, so it takes one
 *     hop of raw samples per call: HOP = n_in (the default), inputs back to back. Its first
 *     manifest["stream"]["warmup_calls"] outputs only fill the ring;
 *   - a windowed program (--with-preprocessing) takes whole raw windows: pass HOP, the hop in raw samples.
 * Output 0 of every call (the embedding) is appended to embeddings.f32 as float32, and a line is printed.
 *
 * Libraries: the ExecuTorch runtime, CPU kernels and XNNPACK delegate shipped in the executorch wheel, and
 * libwearsdk_executorch.so, whose kernels run the in-graph preprocessing (the same C++ core as wear_dsp.h).
 */
#include <executorch/extension/module/module.h>
#include <executorch/extension/tensor/tensor.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "wear_dsp.h"

// Defined in libwearsdk_executorch.so, whose static initialiser registers the wearsdk::*.out kernels with
// the runtime. Calling it checks the registration and keeps the library linked.
extern "C" int wearsdk_executorch_kernels_registered(void);

using executorch::extension::from_blob;
using executorch::extension::Module;
using executorch::runtime::Error;

namespace {

constexpr int32_t kPacket = 50;  // samples per channel in one sensor packet (one FIFO read)

int fail(const char *what, Error error) {
    std::fprintf(stderr, "%s failed: %s\n", what, executorch::runtime::to_string(error));
    return 1;
}

int fail(const char *what, wear_status status) {
    std::fprintf(stderr, "%s failed: %s\n", what, wear_status_str(status));
    return 1;
}

bool read_f32(const char *path, std::vector<float> &out) {
    FILE *f = std::fopen(path, "rb");
    if (f == nullptr) return false;
    float block[4096];
    size_t got;
    while ((got = std::fread(block, sizeof(float), 4096, f)) > 0) out.insert(out.end(), block, block + got);
    const bool ok = std::ferror(f) == 0;
    std::fclose(f);
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        std::fprintf(stderr, "usage: %s PROGRAM.pte RAW.f32 OUT.f32 [HOP]\n", argv[0]);
        return 2;
    }
    if (!wearsdk_executorch_kernels_registered()) {
        std::fprintf(stderr, "the wearsdk kernels did not register with this ExecuTorch runtime\n");
        return 1;
    }

    // Module maps the program file; load_method() resolves forward()'s operators (a missing kernel fails
    // here) and plans its memory once, so a streaming program's state buffers persist from one forward()
    // to the next. Not thread-safe: one Module per stream and thread.
    Module module(argv[1], Module::LoadMode::Mmap);
    if (const Error e = module.load_method("forward"); e != Error::Ok) return fail("loading forward()", e);
    const auto meta = module.method_meta("forward");
    if (!meta.ok()) return fail("reading forward()'s metadata", meta.error());
    const auto input_meta = meta->input_tensor_meta(0);
    if (!input_meta.ok()) return fail("reading input 0's metadata", input_meta.error());
    const auto sizes = input_meta->sizes();
    if (sizes.size() != 3 || sizes[0] != 1) {
        std::fprintf(stderr, "expected a (1, channels, samples) input, got %zu dimensions\n", sizes.size());
        return 1;
    }
    const int32_t channels = sizes[1], n_in = sizes[2];
    const int32_t hop = argc == 5 ? std::atoi(argv[4]) : n_in;

    std::vector<float> raw;
    if (!read_f32(argv[2], raw) || raw.empty() || raw.size() % channels != 0) {
        std::fprintf(stderr, "%s: cannot read a (%d, n) float32 recording\n", argv[2], channels);
        return 1;
    }
    const int32_t n = static_cast<int32_t>(raw.size() / channels);

    // The windower's ring is caller-owned, sized by wear_windower_state_len (CMSIS-DSP style).
    std::vector<float> ring(wear_windower_state_len(n_in, channels));
    wear_windower windower;
    if (const wear_status st = wear_windower_init(&windower, n_in, hop, channels, ring.data(), ring.size());
        st != WEAR_OK)
        return fail("wear_windower_init", st);

    // The program reads its input straight from this buffer: from_blob wraps it without a copy.
    std::vector<float> input(static_cast<size_t>(channels) * n_in);
    const auto tensor = from_blob(input.data(), {1, channels, n_in});

    FILE *out = std::fopen(argv[3], "wb");
    if (out == nullptr) {
        std::fprintf(stderr, "cannot write %s\n", argv[3]);
        return 1;
    }
    std::printf("%s: input (1, %d, %d), hop %d, %d samples per channel\n", argv[1], channels, n_in, hop, n);
    int calls = 0;
    for (int32_t pos = 0; pos < n; pos += kPacket) {
        const int32_t len = std::min(kPacket, n - pos);
        // push() stops right after the sample that completes an input, so a packet may yield several.
        for (int32_t off = 0; off < len;) {
            int32_t consumed = 0, ready = 0;
            const wear_status st = wear_windower_push(&windower, raw.data() + pos + off, n, len - off, &consumed,
                                                      &ready);
            if (st != WEAR_OK) return fail("wear_windower_push", st);
            off += consumed;
            if (!ready) continue;
            wear_windower_read(&windower, input.data(), n_in);

            const auto t0 = std::chrono::steady_clock::now();
            const auto result = module.forward(tensor);
            const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - t0;
            if (!result.ok()) return fail("forward()", result.error());
            // Outputs live in the program's planned memory: use or copy them before the next call.
            const auto embedding = result->at(0).toTensor();
            const float *e = embedding.const_data_ptr<float>();
            std::fwrite(e, sizeof(float), embedding.numel(), out);
            std::printf("call %3d  input ends at sample %7d  %6.2f ms  %ld outputs, first % .5f\n", calls,
                        pos + off, ms.count(), static_cast<long>(embedding.numel()), e[0]);
            ++calls;
        }
    }
    std::fclose(out);
    std::printf("%d calls, outputs written to %s\n", calls, argv[3]);
    return 0;
}
