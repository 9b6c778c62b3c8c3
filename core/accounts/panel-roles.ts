/** Who may use the web panel, and what they may do there. */
export const PANEL_ROLES = ["admin", "sales_manager", "read_only"] as const;
export type PanelRole = (typeof PANEL_ROLES)[number];

/** The signed-in person as the panel sees them. */
export interface PanelUser {
  id: string;
  email: string;
  name: string;
  role: PanelRole;
}

/** Whether a user's role is one of the panel's (contractors and marketers use the chat instead). */
export function isPanelRole(role: string): role is PanelRole {
  return (PANEL_ROLES as readonly string[]).includes(role);
}
