// Whether the chosen skill has an agent ready, asked while the pre-chat form is shown:
// when it appears, when the skill changes, and every minute. The answer only changes the
// form's wording; it never stops a customer from starting a chat.

const EVERY_MS = 60_000;

/**
 * @param {object} options
 * @param {(skill: string) => Promise<string>} options.ask "ready", "none-ready" or "unknown"
 * @param {(skill: string, availability: string) => void} options.onAnswer
 */
export function createAvailability({ ask, onAnswer }) {
  let watched = null;
  let timer = null;
  // Bumped whenever the form is left or the skill changes: an answer from an older round
  // is about a skill (or a form) no longer on screen, and is dropped.
  let round = 0;

  async function check() {
    const asked = { skill: watched, round };
    const availability = await ask(asked.skill).catch(() => "unknown");
    if (asked.round === round) onAnswer(asked.skill, availability);
  }

  return {
    /** The form shows `skill` (null: the form is not shown). Cheap to call on every render. */
    watch(skill) {
      if (skill === watched) return;
      clearInterval(timer);
      timer = null;
      round += 1;
      watched = skill;
      if (skill === null) return;
      check();
      timer = setInterval(check, EVERY_MS);
    },
  };
}
