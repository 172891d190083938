// Streaming a wearsdk ExecuTorch program in an Android app (Kotlin, org.pytorch.executorch).
//
// NOT COMPILED HERE: the machine this repository is built and tested on has no Android SDK. The same loop
// runs in C++ in examples/cpp/stream_pte.cpp, which is built and tested against the Python runtime.
//
// The artifact: wearsdk export --model ppg_encoder_compact --pretrained --backend executorch --streaming
//                   --quant int8 --input-rate 256 --out ppg_stream   (copy the whole folder to the device)
// The program runs wearsdk's preprocessing kernels (wearsdk/csrc/executorch_kernels.cpp) inside the graph:
// the app's ExecuTorch build must contain them (docs/mobile.md, "Android"), or loading forward() fails with
// a missing-operator error for wearsdk::preprocess.out.
package com.example.wearsdk

import java.io.File
import org.json.JSONObject
import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor

/** What a streaming app reads from manifest.json (see docs/mobile.md for every field). */
class StreamSpec(
    val program: File,        // the .pte listed in "files"
    val channels: Int,        // stream.channels, in model_card.input_channels order
    val hopIn: Int,           // stream.hop_in: raw samples per channel in one program call
    val inputRateHz: Double,  // stream.preprocess.sampling_rate: the rate the sensor samples must have
    val warmupCalls: Int,     // stream.warmup_calls: calls that only fill the program's window ring
) {
    companion object {
        fun read(folder: File): StreamSpec {
            val m = JSONObject(File(folder, "manifest.json").readText())
            require(m.getString("backend") == "executorch" && m.getBoolean("streaming")) {
                "$folder is not a streaming ExecuTorch artifact (export it with --streaming)"
            }
            require(m.getJSONObject("model_card").optBoolean("trained", true)) { "$folder holds an untrained model" }
            val stream = m.getJSONObject("stream")
            val pte = m.getJSONObject("files").keys().asSequence().first { it.endsWith(".pte") }
            return StreamSpec(
                program = File(folder, pte),
                channels = stream.getInt("channels"),
                hopIn = stream.getInt("hop_in"),
                inputRateHz = stream.getJSONObject("preprocess").getDouble("sampling_rate"),
                warmupCalls = stream.getInt("warmup_calls"),
            )
        }
    }
}

/**
 * Sensor packets of any size in, one embedding per hop out. The program keeps its filter state and window
 * ring between calls, so it must see every sample once, in order. Not thread-safe: feed it from one thread.
 */
class WearStream(folder: File) : AutoCloseable {
    val spec = StreamSpec.read(folder)
    private var module = Module.load(spec.program.path)
    private val chunk = FloatArray(spec.channels * spec.hopIn)  // (1, channels, hopIn), channel-major
    private val shape = longArrayOf(1, spec.channels.toLong(), spec.hopIn.toLong())
    private var filled = 0  // samples per channel already in chunk
    private var calls = 0

    /**
     * [packet] holds [n] samples per channel, channel-major (channel c at c * n), at [StreamSpec.inputRateHz].
     * Returns the embeddings of the windows it completed: none while the ring fills, usually zero or one.
     */
    fun push(packet: FloatArray, n: Int): List<FloatArray> {
        require(packet.size == spec.channels * n) { "expected ${spec.channels} x $n samples, got ${packet.size}" }
        val embeddings = mutableListOf<FloatArray>()
        var pos = 0
        while (pos < n) {
            val take = minOf(spec.hopIn - filled, n - pos)
            for (c in 0 until spec.channels) {
                System.arraycopy(packet, c * n + pos, chunk, c * spec.hopIn + filled, take)
            }
            filled += take
            pos += take
            if (filled < spec.hopIn) continue  // the packet is used up before the hop is complete
            filled = 0
            val output = module.forward(EValue.from(Tensor.fromBlob(chunk, shape)))[0].toTensor()
            if (++calls > spec.warmupCalls) embeddings += output.dataAsFloatArray
        }
        return embeddings
    }

    /** Starts a new stream (after a gap, or another wearer): a freshly loaded program starts from zero state. */
    fun reset() {
        module.destroy()
        module = Module.load(spec.program.path)
        filled = 0
        calls = 0
    }

    override fun close() = module.destroy()
}
