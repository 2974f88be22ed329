import PodlabCore

/// Columns as podman prints them (Go's tabwriter with minimum width 12 and padding 2): every cell but
/// the last of a row is padded to its column's width.
struct TableWriter {
    var rows: [[String]] = []

    /// A row of cells. What they hold may come from an image or a container (a command line, a comment, a process's
    /// arguments): their control characters, line ends too, are shown (`^[`), never obeyed by the terminal.
    mutating func add(_ row: [String]) { rows.append(row.map { TerminalText.visible($0, keepNewlines: false) }) }

    func render() -> String {
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated() where index < row.count - 1 {
                let width = max(12, TableWriter.displayWidth(cell) + 2)
                if index < widths.count { widths[index] = max(widths[index], width) } else { widths.append(width) }
            }
        }
        var output = ""
        for row in rows {
            for (index, cell) in row.enumerated() {
                output += cell
                if index < row.count - 1 {
                    output += String(repeating: " ", count: widths[index] - TableWriter.displayWidth(cell))
                }
            }
            output += "\n"
        }
        return output
    }

    /// Go's tabwriter counts UTF-8 code points; so do we, so that columns line up the same way.
    static func displayWidth(_ text: String) -> Int { text.unicodeScalars.count }
}
