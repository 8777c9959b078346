// @ragmeter/sdk/integration: pieces for packages that record a client library for ragmeter
// (@ragmeter/openai, @ragmeter/anthropic), so each does not carry its own copy.
export { followStream, type StreamLike, type StreamObserver } from './integration/follow-stream.js';
