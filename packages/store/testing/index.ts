export { closedPort, startFaultyProxy, startS3, startS3Process } from "./s3-server.js";
export {
  startFakeOidc,
  startIamTokenGate,
  type FakeFederation,
  type FakeOidc,
  type FakeOidcOptions,
} from "./yandex-cloud.js";
