// Text for a terminal: words wrapped to its width.

/**
 * Words into lines of at most `width` characters; a command in backticks is one word, so it can
 * be copied from one line (a longer word, e.g. a path or a command, gets a line of its own).
 */
export function wrap(text: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.match(/[^\s`]*`[^`]*`\S*|\S+/g) ?? []) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    return lines;
}
