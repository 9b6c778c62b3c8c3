import { describe, expect, it } from "vitest";
import {
  CANONICAL_STATUSES,
  fromCanonical,
  nextStage,
  parseVocabulary,
  toCanonical,
  VOCABULARIES,
  vocabularyTerms,
} from "../../core/crm/status-mapping.js";

describe("status mapping (seed 003 canonical ↔ Recruiting & Sales ↔ Frazer)", () => {
  it("the canonical pipeline is in Frazer order", () => {
    expect(CANONICAL_STATUSES).toEqual([
      "lead",
      "relationship",
      "invited",
      "qualified",
      "presentation_sent",
      "follow_up",
      "signed_up",
    ]);
  });

  it("every canonical status round-trips through its own vocabulary and its snake_case value", () => {
    for (const s of CANONICAL_STATUSES) {
      expect(toCanonical(fromCanonical(s, "canonical") as string, "canonical")).toBe(s);
      expect(toCanonical(s)).toBe(s);
    }
  });

  it("every term round-trips where the mapping is one-to-one", () => {
    // The documented many-to-one terms: their canonical status is shown under another column.
    const manyToOne = new Set([
      "recruiting:Booked",
      "recruiting:No-Show",
      "recruiting:Joined",
      "frazer:No-Show",
      "frazer:Team",
    ]);
    for (const v of VOCABULARIES) {
      for (const { term, status } of vocabularyTerms(v)) {
        expect(toCanonical(term, v), `${v}:${term}`).toBe(status);
        if (status === null || manyToOne.has(`${v}:${term}`)) continue;
        expect(fromCanonical(status, v), `${v}:${term}`).toBe(term);
      }
    }
  });

  it("documents the many-to-one choices", () => {
    expect(toCanonical("Booked", "recruiting")).toBe("qualified");
    expect(toCanonical("No-Show", "recruiting")).toBe("qualified");
    expect(toCanonical("Held", "recruiting")).toBe("presentation_sent");
    expect(toCanonical("Video Sent", "frazer")).toBe("presentation_sent");
    expect(toCanonical("Joined")).toBe("signed_up");
    expect(toCanonical("Team")).toBe("signed_up");
    expect(toCanonical("Lost", "recruiting")).toBeNull();
    expect(fromCanonical("relationship", "recruiting")).toBe("New");
    expect(fromCanonical("follow_up", "recruiting")).toBe("Held");
    expect(fromCanonical("qualified", "frazer")).toBe("Invited");
    expect(fromCanonical("lead", "frazer")).toBeNull();
  });

  it("accepts any casing, dashes, underscores and Unicode hyphens, with or without a vocabulary", () => {
    for (const raw of ["video sent", "VIDEO-SENT", "Video_Sent", "videosent", " Video  Sent "]) {
      expect(toCanonical(raw)).toBe("presentation_sent");
    }
    expect(toCanonical("SIGNED\u2011UP")).toBe("signed_up");
    expect(toCanonical("Follow\u2013up", "frazer")).toBe("follow_up");
    expect(toCanonical("no_show")).toBe("qualified");
    expect(toCanonical("PRESENTATION_SENT", "recruiting")).toBe("presentation_sent");
    expect(toCanonical("new")).toBe("lead");
    expect(toCanonical("banana")).toBeNull();
    expect(toCanonical("")).toBeNull();
  });

  it("a term shared by vocabularies means the same everywhere, so the vocabulary is optional", () => {
    for (const v of VOCABULARIES) {
      for (const { term, status } of vocabularyTerms(v)) expect(toCanonical(term)).toBe(status);
    }
  });

  it("parses vocabulary names", () => {
    expect(parseVocabulary("Recruiting & Sales")).toBe("recruiting");
    expect(parseVocabulary("FRAZER")).toBe("frazer");
    expect(parseVocabulary("canonical")).toBe("canonical");
    expect(parseVocabulary("klingon")).toBeNull();
  });

  it("nextStage walks the canonical pipeline, or a vocabulary's visible columns", () => {
    expect(nextStage("lead")).toBe("relationship");
    expect(nextStage("follow_up")).toBe("signed_up");
    expect(nextStage("signed_up")).toBeNull();
    expect(nextStage("lead", "recruiting")).toBe("qualified");
    expect(nextStage("qualified", "recruiting")).toBe("presentation_sent");
    expect(nextStage("presentation_sent", "recruiting")).toBe("signed_up");
    expect(nextStage("lead", "frazer")).toBe("relationship");
    expect(nextStage("invited", "frazer")).toBe("presentation_sent");
    expect(nextStage("signed_up", "frazer")).toBeNull();
  });
});
