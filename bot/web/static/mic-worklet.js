// Microphone capture for the call page. Runs on the audio thread of an 8 kHz AudioContext, so the browser has
// already resampled the microphone; this only re-blocks the 128-sample render quanta into 160-sample (20 ms)
// frames and hands each one to the page, which converts and sends it. The audio clock therefore paces the line.
// When the input has no channels (track ended or not yet flowing) it sends silence so the line stays clocked.

const FRAME_SAMPLES = 160;

class MicFrameProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Float32Array(FRAME_SAMPLES);
    this.filled = 0;
  }

  push(samples, count) {
    for (let i = 0; i < count; i++) {
      this.frame[this.filled++] = samples ? samples[i] : 0;
      if (this.filled === FRAME_SAMPLES) {
        const done = this.frame;
        this.port.postMessage(done, [done.buffer]);
        this.frame = new Float32Array(FRAME_SAMPLES);
        this.filled = 0;
      }
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (input && input.length > 0) {
      this.push(input[0], input[0].length);
    } else {
      this.push(null, 128);
    }
    return true;
  }
}

registerProcessor("mic-frames", MicFrameProcessor);
