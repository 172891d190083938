// Streaming a wearsdk CoreML package in an iOS 18 / macOS 15 app (Swift, Core ML with state).
//
// NOT COMPILED HERE: the machine this repository is built and tested on has no Xcode. On a Mac,
// examples/ios/verify_coreml.py checks the package's predictions against the reference.npz beside it.
//
// The artifact: wearsdk export --model ppg_encoder_compact --pretrained --backend coreml --streaming
//                   --with-preprocessing --quant int8 --out ppg_coreml
// Add the .mlpackage to the Xcode target (Xcode compiles it to a .mlmodelc in the app bundle) and ship
// manifest.json beside it. Each prediction takes one hop of samples at the model's rate; the window ring
// (and, with --with-preprocessing, the band-pass FIR's input history) are Core ML states held in an MLState.
import CoreML
import Foundation

/// What a streaming app reads from manifest.json (see docs/mobile.md for every field).
struct WearManifest: Decodable {
    struct TensorSpec: Decodable {
        let name: String
        let shape: [Int]
        let dtype: String
    }
    struct Preprocess: Decodable {
        let samplingRate: Double  // the rate the samples fed to the package must have
    }
    struct Stream: Decodable {
        let channels: Int         // in model_card.input_channels order
        let hopIn: Int            // samples per channel in one prediction
        let warmupCalls: Int      // predictions that only fill the ring
        let chunk: String         // "raw samples ..." or "band-passed on the host ..."
        let preprocess: Preprocess
    }
    let backend: String
    let streaming: Bool
    let inputs: [TensorSpec]
    let outputs: [TensorSpec]
    let stream: Stream?
}

enum WearStreamError: Error {
    case notAStreamingPackage(String)
    case badPacket(String)
}

/// Sensor packets of any size in, one embedding per hop out. Every sample must be pushed once, in order.
/// Not thread-safe: feed one instance from one queue.
@available(iOS 18.0, macOS 15.0, *)
final class WearStream {
    let manifest: WearManifest
    let stream: WearManifest.Stream
    private let model: MLModel
    private var state: MLState
    private var chunk: [Float]  // (1, channels, hopIn), channel-major
    private var filled = 0      // samples per channel already in chunk
    private var calls = 0

    /// `modelURL`: the compiled model (the bundle's .mlmodelc, or `MLModel.compileModel(at:)` of the package).
    init(modelURL: URL, manifestURL: URL) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase  // hop_in -> hopIn
        manifest = try decoder.decode(WearManifest.self, from: Data(contentsOf: manifestURL))
        guard manifest.backend == "coreml", manifest.streaming, let stream = manifest.stream else {
            throw WearStreamError.notAStreamingPackage("export it with --backend coreml --streaming")
        }
        self.stream = stream
        model = try MLModel(contentsOf: modelURL, configuration: MLModelConfiguration())
        state = model.makeState()  // every state starts at zero: a new stream
        chunk = [Float](repeating: 0, count: stream.channels * stream.hopIn)
    }

    /// `packet`: channel-major samples (channel c is `packet[c * n ..< (c + 1) * n]`) at
    /// `stream.preprocess.samplingRate`. Returns the embeddings of the windows it completed (none while the
    /// ring fills, usually zero or one).
    func push(_ packet: [Float]) throws -> [[Float]] {
        let channels = stream.channels, hop = stream.hopIn
        guard packet.count % channels == 0 else {
            throw WearStreamError.badPacket("\(packet.count) samples do not split into \(channels) channels")
        }
        let n = packet.count / channels
        var embeddings: [[Float]] = []
        var pos = 0
        while pos < n {
            let take = min(hop - filled, n - pos)
            for c in 0..<channels {
                chunk.replaceSubrange(c * hop + filled ..< c * hop + filled + take,
                                      with: packet[c * n + pos ..< c * n + pos + take])
            }
            filled += take
            pos += take
            if filled < hop { continue }  // the packet is used up before the hop is complete
            filled = 0
            let x = MLMultiArray(MLShapedArray<Float>(scalars: chunk, shape: [1, channels, hop]))
            let features = try MLDictionaryFeatureProvider(
                dictionary: [manifest.inputs[0].name: MLFeatureValue(multiArray: x)])
            // The prediction reads and updates the ring (and FIR history) held in `state`.
            let result = try model.prediction(from: features, using: state)
            calls += 1
            if calls > stream.warmupCalls, let y = result.featureValue(for: manifest.outputs[0].name)?.multiArrayValue {
                embeddings.append((0..<y.count).map { y[$0].floatValue })  // float16 output, read as Float
            }
        }
        return embeddings
    }

    /// Starts a new stream (after a gap, or another wearer): a fresh MLState is all zeros.
    func reset() {
        state = model.makeState()
        filled = 0
        calls = 0
    }
}
