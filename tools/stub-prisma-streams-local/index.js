// Loaded only by `prisma dev`, which LeadRelay does not use (its embedded database is PGlite, see
// prisma/embedded.ts). The real package needs Node >= 22; this stand-in keeps `npm install` on
// Node 20 free of engine warnings and fails clearly if anything ever calls it.
export async function startLocalDurableStreamsServer() {
  throw new Error("@prisma/streams-local is stubbed out in LeadRelay (`prisma dev` needs Node >= 22 and is not used).");
}
