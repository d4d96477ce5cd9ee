//! A QR code of `verification_uri_complete` (RFC 8628 §3.3.1) for the
//! terminal: the `qrcode` crate's Unicode renderer, two modules per
//! character cell with half blocks (`▀`, `▄`, `█`), quiet zone included.
//!
//! Terminals mostly draw light text on a dark background, so the code is
//! drawn inverted: the light modules (and the quiet zone) are the printed
//! blocks, and what the terminal leaves dark is the dark modules.

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;

/// The QR code of `data` as lines of half blocks; `None` when `data` is
/// too long for a QR code.
pub fn render(data: &str) -> Option<String> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "http://localhost:9001/device?user_code=BCDF-GHJK";

    #[test]
    fn a_verification_uri_is_drawn_as_a_square_of_half_blocks() {
        let drawn = render(URI).unwrap_or_default();
        let lines: Vec<&str> = drawn.lines().collect();
        let width = lines.first().map_or(0, |line| line.chars().count());

        // A version 3 code is 29 modules, with a 4-module quiet zone each side.
        assert!(width >= 29 + 8, "{drawn}");
        assert!(lines.iter().all(|line| line.chars().count() == width));
        // Two rows of modules per line.
        assert_eq!(lines.len(), width.div_ceil(2), "{drawn}");
        assert!(drawn
            .chars()
            .all(|c| matches!(c, ' ' | '▀' | '▄' | '█' | '\n')));
        // Inverted for dark terminals: the quiet zone is printed blocks.
        assert!(lines[0].chars().all(|c| c == '█'), "{}", lines[0]);
    }

    #[test]
    fn different_codes_draw_differently() {
        assert_ne!(
            render(URI),
            render("http://localhost:9001/device?user_code=ZXWV-TSRQ")
        );
    }

    #[test]
    fn data_too_long_for_any_qr_code_draws_nothing() {
        assert_eq!(render(&"x".repeat(8000)), None);
    }
}
