/**
 * Sentiment from rules (core/ai/sentiment-rules.ts): the English and Danish lexicon, negation
 * before a word ("not happy", "ikke tilfreds") and after a Danish verb ("virker ikke"),
 * intensifiers, and the blend with review ratings; the reply template picked from it.
 */
import { describe, expect, it } from "vitest";
import { replyKindOf, ruleReply } from "../../core/ai/reply-rules.js";
import { customerSentiment, ruleSentiment } from "../../core/ai/sentiment-rules.js";

describe("ruleSentiment", () => {
  it.each([
    ["Thank you, great job — the AC works perfectly!", "positive"],
    ["Tusind tak, det var super hurtigt og flot arbejde", "positive"],
    ["I am very disappointed, this is unacceptable.", "negative"],
    ["Jeg er meget utilfreds og skuffet over besøget", "negative"],
    ["When can you come?", "neutral"],
    ["Hvornår kan I komme?", "neutral"],
  ])("%s → %s", (text, label) => {
    expect(ruleSentiment(text).sentiment).toBe(label);
  });

  it("flips a word after a negator, in English and Danish, and a Danish verb before 'ikke'", () => {
    expect(ruleSentiment("I am not happy with the work").sentiment).toBe("negative");
    expect(ruleSentiment("Jeg er ikke tilfreds").sentiment).toBe("negative");
    expect(ruleSentiment("Varmepumpen virker ikke").sentiment).toBe("negative");
    expect(ruleSentiment("The heater doesn't work").sentiment).toBe("negative");
    expect(ruleSentiment("Not bad at all").score).toBeGreaterThan(0);
    expect(ruleSentiment("I am not happy").reasons[0]).toMatch(/negative: “.*not happy.*”/);
  });

  it("an intensifier weighs more, and the score stays in [-1, 1]", () => {
    expect(ruleSentiment("very bad").score).toBeLessThan(ruleSentiment("bad").score);
    const storm = ruleSentiment("terrible awful horrible worst useless scam ".repeat(20));
    expect(storm.score).toBeGreaterThanOrEqual(-1);
    expect(storm.sentiment).toBe("negative");
  });

  it("blends the customer's texts (newest weighted double) with their review ratings", () => {
    expect(customerSentiment([], [])).toMatchObject({ sentiment: "neutral", score: 0 });
    expect(customerSentiment([], [1, 2]).sentiment).toBe("negative");
    const recovered = customerSentiment(["Thanks, all fixed, great!", "This is terrible"], [5]);
    expect(recovered.sentiment).toBe("positive");
    expect(recovered.reasons).toContain("review ratings average 5.0/5");
  });
});

describe("the rules' reply draft", () => {
  it("apologises to an unhappy customer, answers a question, thanks otherwise — in their language", () => {
    expect(replyKindOf("This is unacceptable")).toBe("unhappy");
    expect(replyKindOf("Can you come Friday?")).toBe("question");
    expect(replyKindOf("See you then")).toBe("thanks");
    const da = ruleReply({ message: "Jeg er skuffet", language: "da", customerName: "Ida Holm", ownerName: "VVS Bo" });
    expect(da.text).toBe(
      "Hej Ida, det er jeg ked af at høre — tak fordi du siger det. Jeg ringer til dig i dag, så vi får det løst. VVS Bo",
    );
    const fr = ruleReply({ message: "Merci", language: "fr", customerName: "Zoé", ownerName: "Bo" });
    expect(fr.text).toMatch(/^Hi Zoé, thank you for your message/);
  });
});
