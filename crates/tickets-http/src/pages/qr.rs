//! QR codes as inline SVG, for the ticket's page (follow it on a phone) and for taking a
//! ticket by phone (the kiosk and the door poster).

use qrcode::QrCode;
use qrcode::render::svg;

/// The QR code of `url` as inline SVG (dark modules on white, with a quiet zone), at least
/// `size` pixels square, labelled `label` for screen readers.
pub(crate) fn qr_svg(url: &str, size: u32, label: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(size, size)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    let label = maud::html! { (label) }.into_string();
    Some(svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{label}\" "),
        1,
    ))
}
