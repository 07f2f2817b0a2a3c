export { verifyPin, type Check, type PinVerification, type VerifyOptions } from "./verify-pin.js";
export { verificationTable, verifyChangedPins } from "./verify-lock.js";
