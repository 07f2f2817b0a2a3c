import { fitMember, type MemberTask } from "./member.js";

/** The tasks co2-forecast's training threads run (see fits.ts): one LSTM member per task. */
export const fitLstmMember = (task: MemberTask) => fitMember(task);
