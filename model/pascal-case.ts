/** `get_users_userId` → `GetUsersUserId`: ids and kind names as parts of TypeScript type names. */
export function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
