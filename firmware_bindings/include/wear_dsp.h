/*
 * wear_dsp.h - the wearsdk DSP core, C API.
 *
 * One implementation behind three faces: this C API (firmware, ctypes), the torch operators
 * torch.ops.wearsdk.* and the ExecuTorch kernels wearsdk::*.out all call these functions.
 *
 * Conventions (CMSIS-DSP style):
 *   - The caller owns every buffer. Nothing here allocates, throws, or keeps a pointer beyond the
 *     lifetime of the struct it was given to. Sizes of caller buffers are given by the *_len()
 *     functions or in the comments, in number of floats.
 *   - Signals are planar: channel c of a block starts at x + c * stride and holds n contiguous samples
 *     (a C-contiguous (channels, samples) array has stride == samples).
 *   - Every function returns a wear_status; WEAR_OK is 0. Output buffers are untouched on error.
 *   - Coefficients are designed off-line (Python: scipy.signal.butter(..., output="sos"),
 *     wearsdk.signal.design_resampler) and passed in; on firmware they are `const` tables in flash.
 *   - Streaming: state structs carry filter/resampler history, so a signal cut into chunks of any
 *     size gives exactly the output of the whole signal.
 */
#ifndef WEAR_DSP_H
#define WEAR_DSP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                               */
/* ------------------------------------------------------------------------------------------ */
typedef enum wear_status {
    WEAR_OK = 0,
    WEAR_ERR_NULL = 1,      /* a required pointer is NULL */
    WEAR_ERR_SIZE = 2,      /* a buffer is too small, or a count is <= 0 */
    WEAR_ERR_ARG = 3,       /* an argument is out of range (e.g. a0 != 1, up <= 0) */
    WEAR_ERR_NOT_INIT = 4,  /* the state struct was not initialised by its *_init() */
    WEAR_ERR_ALIAS = 5      /* input and output overlap where that is not allowed */
} wear_status;

/* A static, human-readable name of a status code ("WEAR_ERR_SIZE: buffer too small ..."). */
const char *wear_status_str(wear_status status);

/* Library version, "MAJOR.MINOR.PATCH". */
const char *wear_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Cascaded second-order sections (causal IIR), transposed direct form II                     */
/* ------------------------------------------------------------------------------------------ */
#define WEAR_SOS_MAX_SECTIONS 16

/* Precision of the filter state and arithmetic (samples stay float32). Double by default: with a
   float32 state, a 0.5 Hz high-pass at 500 Hz is only accurate to ~1e-4 of full scale (as in
   scipy's float32 path); double keeps it at float32 rounding of the output. Targets whose FPU is
   single precision only (Cortex-M4F) build with -DWEAR_SOS_STATE_DOUBLE=0. */
#ifndef WEAR_SOS_STATE_DOUBLE
#define WEAR_SOS_STATE_DOUBLE 1
#endif
#if WEAR_SOS_STATE_DOUBLE
typedef double wear_sos_state_t;
#else
typedef float wear_sos_state_t;
#endif

typedef struct wear_sos {
    const float *coeffs; /* [n_sections * 6]: b0 b1 b2 a0 a1 a2 per section (scipy's sos); a0 == 1 */
    wear_sos_state_t *state; /* [n_channels * n_sections * 2]: (z1, z2) per channel and section */
    int32_t n_sections;  /* 1 .. WEAR_SOS_MAX_SECTIONS */
    int32_t n_channels;  /* >= 1 */
    uint32_t magic;      /* set by wear_sos_init */
} wear_sos;

/* Elements of state wear_sos_init needs: n_channels * n_sections * 2. 0 if an argument is invalid. */
size_t wear_sos_state_len(int32_t n_sections, int32_t n_channels);

/* Binds coefficients and caller state; zeroes the state (use wear_sos_set_state for steady state). */
wear_status wear_sos_init(wear_sos *f, const float *coeffs, int32_t n_sections, int32_t n_channels,
                          wear_sos_state_t *state, size_t state_len);

/* Zeroes the filter state (start of a new stream). */
wear_status wear_sos_reset(wear_sos *f);

/* Filters n_samples of every channel. y may equal x (in place); other overlaps are not allowed. */
wear_status wear_sos_process(wear_sos *f, const float *x, ptrdiff_t x_stride, float *y,
                             ptrdiff_t y_stride, int32_t n_samples);

/* ------------------------------------------------------------------------------------------ */
/* Rational polyphase resampling by up/down (causal, streaming)                               */
/* ------------------------------------------------------------------------------------------ */
#ifndef WEAR_RESAMPLE_MAX_TAPS
#define WEAR_RESAMPLE_MAX_TAPS 1024 /* taps per phase; firmware may lower it (stack: 8 bytes per tap) */
#endif

typedef struct wear_resampler {
    const float *bank;   /* [up * taps]: bank[p * taps + m] = h[p + (taps - 1 - m) * up]
                            (h the anti-aliasing FIR at the up-sampled rate, zero-extended) */
    float *history;      /* [n_channels * (taps - 1)]: the last taps-1 input samples, oldest first */
    int32_t up, down;    /* reduced ratio, both >= 1 */
    int32_t taps;        /* taps per phase, 1 .. WEAR_RESAMPLE_MAX_TAPS */
    int32_t n_channels;  /* >= 1 */
    int32_t offset;      /* up-sampled index of the next output relative to the next input, [0, down) */
    uint32_t magic;
} wear_resampler;

/* Floats of history wear_resampler_init needs: n_channels * (taps - 1). */
size_t wear_resampler_state_len(int32_t taps, int32_t n_channels);

wear_status wear_resampler_init(wear_resampler *r, const float *bank, int32_t up, int32_t down,
                                int32_t taps, int32_t n_channels, float *history, size_t history_len);

wear_status wear_resampler_reset(wear_resampler *r);

/* Outputs the next call with n_in input samples will produce (depends on the carried offset). */
int32_t wear_resampler_out_len(const wear_resampler *r, int32_t n_in);

/* Resamples n_in samples of every channel; writes *n_out = wear_resampler_out_len(r, n_in) samples
   per channel. y must not overlap x. y_capacity: samples available per output channel. */
wear_status wear_resampler_process(wear_resampler *r, const float *x, ptrdiff_t x_stride, int32_t n_in,
                                   float *y, ptrdiff_t y_stride, int32_t y_capacity, int32_t *n_out);

/* ------------------------------------------------------------------------------------------ */
/* Per-window normalisation                                                                   */
/* ------------------------------------------------------------------------------------------ */
typedef enum wear_norm {
    WEAR_NORM_NONE = 0,
    WEAR_NORM_ZSCORE = 1, /* (x - mean) / max(std, eps), population std */
    WEAR_NORM_ROBUST = 2  /* (x - median) / max(IQR / 1.3489795, eps); IQR by linear interpolation */
} wear_norm;

/* Normalises each channel over its n_samples; norm is a wear_norm value. y may equal x. For WEAR_NORM_ROBUST, scratch must hold
   n_samples floats (it may be NULL otherwise). Non-finite samples propagate (check quality first). */
wear_status wear_normalize(const float *x, ptrdiff_t x_stride, float *y, ptrdiff_t y_stride,
                           int32_t n_channels, int32_t n_samples, int32_t norm, float eps,
                           float *scratch, size_t scratch_len);

/* ------------------------------------------------------------------------------------------ */
/* Signal-quality flags per window and channel                                                */
/* ------------------------------------------------------------------------------------------ */
typedef struct wear_quality {
    float nonfinite_fraction; /* NaN/inf samples / n */
    float flat_fraction;      /* longest run of samples with |x[t] - x[t-1]| <= flat_tol, / n */
    float clip_fraction;      /* samples at the window's max or min beyond the first of each, / n
                                 (a saturated ADC sits on its rail: many samples share the extreme) */
} wear_quality;

wear_status wear_quality_compute(const float *x, ptrdiff_t x_stride, int32_t n_channels,
                                 int32_t n_samples, float flat_tol, wear_quality *out);

/* ------------------------------------------------------------------------------------------ */
/* Fused preprocessing: band-pass SOS -> resample -> normalise, for one model input spec      */
/* ------------------------------------------------------------------------------------------ */
typedef struct wear_preprocess {
    wear_sos filter;          /* n_sections == 0: no filter */
    wear_resampler resampler; /* up == down == 1: no resampling */
    int32_t n_channels;
    int32_t norm;             /* wear_norm */
    float eps;
    uint32_t magic;
} wear_preprocess;

typedef struct wear_preprocess_config {
    const float *sos;  /* [n_sections * 6] or NULL when n_sections == 0 */
    int32_t n_sections;
    const float *bank; /* [up * taps] or NULL when up == down == 1 */
    int32_t up, down, taps;
    int32_t n_channels;
    int32_t norm;      /* wear_norm */
    float eps;
} wear_preprocess_config;

/* Floats of scratch wear_preprocess_process needs for n_in input samples per channel: one output
   channel for robust normalisation, else 0 (the fused pass works in blocks on the stack). */
size_t wear_preprocess_scratch_len(const wear_preprocess_config *cfg, int32_t n_in);

/* Binds the configuration and each stage's caller-owned state, and zeroes it:
   filter_state:    wear_sos_state_len(n_sections, n_channels) elements (NULL/0 when n_sections == 0);
   resampler_state: wear_resampler_state_len(taps, n_channels) floats (NULL/0 without resampling). */
wear_status wear_preprocess_init(wear_preprocess *p, const wear_preprocess_config *cfg,
                                 wear_sos_state_t *filter_state, size_t filter_state_len, float *resampler_state,
                                 size_t resampler_state_len);

wear_status wear_preprocess_reset(wear_preprocess *p);

/* Filters (carried state), resamples (carried state) and normalises over the produced block. */
wear_status wear_preprocess_process(wear_preprocess *p, const float *x, ptrdiff_t x_stride, int32_t n_in,
                                    float *y, ptrdiff_t y_stride, int32_t y_capacity, int32_t *n_out,
                                    float *scratch, size_t scratch_len);

/* ------------------------------------------------------------------------------------------ */
/* Ring-buffer windower: windows of `window` samples every `hop` samples                      */
/* ------------------------------------------------------------------------------------------ */
typedef struct wear_windower {
    float *ring;        /* [n_channels * window] */
    int32_t window;     /* samples per window, >= 1 */
    int32_t hop;        /* samples between window starts, 1 .. window */
    int32_t n_channels; /* >= 1 */
    int32_t write_pos;  /* next ring index written, [0, window) */
    int32_t filled;     /* samples held, [0, window] */
    int32_t until_next; /* samples still needed before the next window completes */
    uint32_t magic;
} wear_windower;

/* Floats of ring wear_windower_init needs: n_channels * window. */
size_t wear_windower_state_len(int32_t window, int32_t n_channels);

wear_status wear_windower_init(wear_windower *w, int32_t window, int32_t hop, int32_t n_channels, float *ring,
                               size_t ring_len);

wear_status wear_windower_reset(wear_windower *w);

/* Appends up to n samples per channel and stops right after the sample that completes a window:
   *consumed samples were taken (<= n), *ready is 1 when a window is complete (read it with
   wear_windower_read before pushing more), else 0. */
wear_status wear_windower_push(wear_windower *w, const float *x, ptrdiff_t x_stride, int32_t n,
                               int32_t *consumed, int32_t *ready);

/* Copies the latest window, oldest sample first, to out (n_channels rows of window samples). */
wear_status wear_windower_read(const wear_windower *w, float *out, ptrdiff_t out_stride);

/* ------------------------------------------------------------------------------------------ */
/* Pipeline: raw samples -> preprocess (carried state) -> windows -> normalised model input   */
/* ------------------------------------------------------------------------------------------ */
/* Output samples produced per internal step (bounds the work buffer). */
#ifndef WEAR_PIPELINE_STEP
#define WEAR_PIPELINE_STEP 64
#endif

typedef struct wear_pipeline {
    wear_preprocess pre;   /* configured with norm NONE: normalisation is per window */
    wear_windower win;
    float *work;           /* [n_channels * WEAR_PIPELINE_STEP] preprocessed samples not yet windowed */
    int32_t work_len;      /* valid samples per channel in work */
    int32_t work_pos;      /* next sample of work to push */
    int32_t norm;          /* wear_norm of each window */
    float eps;
    uint32_t magic;
} wear_pipeline;

typedef struct wear_pipeline_config {
    wear_preprocess_config pre; /* its norm is the per-window normalisation */
    int32_t window, hop;        /* at the output rate */
} wear_pipeline_config;

/* Caller buffers, in elements: filter state (wear_sos_state_t), resampler history, ring, work. */
typedef struct wear_pipeline_sizes {
    size_t filter_state, resampler_state, ring, work, window_scratch;
} wear_pipeline_sizes;

wear_status wear_pipeline_sizes_for(const wear_pipeline_config *cfg, wear_pipeline_sizes *sizes);

wear_status wear_pipeline_init(wear_pipeline *p, const wear_pipeline_config *cfg, wear_sos_state_t *filter_state,
                               size_t filter_state_len, float *resampler_state, size_t resampler_state_len,
                               float *ring, size_t ring_len, float *work, size_t work_len);

wear_status wear_pipeline_reset(wear_pipeline *p);

/* Feeds up to n raw input samples per channel; returns as soon as a window completes, which is then
   normalised into window_out (n_channels rows of `window` samples, stride out_stride): *ready = 1.
   Call again with x + *consumed and n - *consumed (possibly 0) until *ready is 0: then every input
   sample is consumed and no complete window is pending. window_scratch (window floats) is needed only
   for robust normalisation. No sample is ever dropped. */
wear_status wear_pipeline_process(wear_pipeline *p, const float *x, ptrdiff_t x_stride, int32_t n,
                                  int32_t *consumed, float *window_out, ptrdiff_t out_stride, int32_t *ready,
                                  float *window_scratch, size_t window_scratch_len);

#ifdef __cplusplus
}
#endif

#endif /* WEAR_DSP_H */
