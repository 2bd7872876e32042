/**
 * A refusal in the broker's terms, for the server to answer with its envelope: HTTP 400 for a
 * request the broker's gateway refuses (IA400), HTTP 200 with status false for a business refusal
 * (an RMS rejection, an order that is no longer open).
 */
export class PaperAccountRefusal extends Error {
  constructor(
    readonly errorcode: string,
    message: string,
    readonly httpStatus: 200 | 400 = 400,
  ) {
    super(message);
    this.name = 'PaperAccountRefusal';
  }
}
