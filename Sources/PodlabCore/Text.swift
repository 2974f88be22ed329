/// Small string helpers, so that modules on the hot path need no Foundation.
extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines (or the given characters).
    public func trimmed(_ characters: Set<Character> = [" ", "\t", "\n", "\r"]) -> String {
        guard let first = firstIndex(where: { !characters.contains($0) }),
              let last = lastIndex(where: { !characters.contains($0) }) else { return "" }
        return String(self[first...last])
    }
}
