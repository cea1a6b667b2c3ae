//! Names of received files, made safe to save: no folders, no control characters,
//! nothing a file system treats specially.

/// Longest name kept, in characters (common file systems allow 255 bytes).
const MAX_CHARS: usize = 120;

/// `name` as a plain file name: path separators become `_`, control and
/// invisible formatting characters are dropped, leading dots and surrounding
/// spaces are trimmed, and an empty result becomes `file`.
pub fn sanitise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter_map(|c| match c {
            '/' | '\\' | ':' => Some('_'),
            c if c.is_control() || is_invisible(c) => None,
            c => Some(c),
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let short: String = if trimmed.chars().count() > MAX_CHARS {
        // Keep the extension, which says what the file is.
        let ext: String = match trimmed.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() && ext.chars().count() <= 10 => format!(".{ext}"),
            _ => String::new(),
        };
        let keep = MAX_CHARS - ext.chars().count();
        trimmed.chars().take(keep).chain(ext.chars()).collect()
    } else {
        trimmed.to_owned()
    };
    if short.is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

/// Characters that change how text displays without showing themselves
/// (bidirectional overrides could disguise `exe.txt` as `txt.exe`).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::sanitise;

    #[test]
    fn names_are_made_safe() {
        for (given, kept) in [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "_.._etc_passwd"),
            ("C:\\Windows\\evil.exe", "C__Windows_evil.exe"),
            ("a\u{0}b\nc\td.txt", "abcd.txt"),
            ("photo\u{202E}gpj.exe", "photogpj.exe"),
            ("  .hidden  ", "hidden"),
            ("...", "file"),
            ("", "file"),
            ("\u{7}\u{1b}", "file"),
            ("Résumé 2026 — 最终.docx", "Résumé 2026 — 最终.docx"),
        ] {
            assert_eq!(sanitise(given), kept, "for {given:?}");
        }
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.tar.gz", "x".repeat(300));
        let short = sanitise(&long);
        assert_eq!(short.chars().count(), 120);
        assert!(short.ends_with("xxx.gz"), "{short}");
    }
}
