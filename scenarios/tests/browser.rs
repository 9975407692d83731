//! The pictures, checked as a person would: rendered by a real headless browser (Debian's
//! chromium), and the screenshot must show the diagram, not a blank page.
//!
//! Without chromium the test says so and passes, so `cargo test` works on a machine without a
//! browser; `.ci/run` installs chromium and sets `RACECHECK_REQUIRE_BROWSER=1`, which makes a
//! missing browser a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Renders `svg` headless and returns the screenshot's pixels and their channels (RGB or RGBA).
fn screenshot(browser: &Path, svg: &Path, out: &Path) -> (Vec<u8>, usize) {
    let profile = out.with_extension("profile");
    let status = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", out.display()))
        .arg("--window-size=1600,900")
        .arg(format!("file://{}", svg.display()))
        .output()
        .expect("chromium starts");
    assert!(out.exists(), "chromium wrote no screenshot: {}", String::from_utf8_lossy(&status.stderr));
    let _ = std::fs::remove_dir_all(&profile);
    let decoder = png::Decoder::new(std::fs::File::open(out).expect("the screenshot"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("a screenshot in {other:?}, not RGB"),
    };
    pixels.truncate(info.buffer_size());
    (pixels, channels)
}

#[test]
fn a_counterexample_picture_renders_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("RACECHECK_REQUIRE_BROWSER").is_none(),
            "RACECHECK_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("no chromium here: the picture is not checked in a browser (install Debian's chromium to check it)");
        return;
    };
    let svg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/svg/reentry.documented-fix.svg");
    let svg = svg.canonicalize().expect("the committed picture of the re-entry documented fix");
    let out = std::env::temp_dir().join(format!("racecheck-picture-{}.png", std::process::id()));
    let (pixels, channels) = screenshot(&browser, &svg, &out);
    let _ = std::fs::remove_file(&out);
    let rgba: Vec<&[u8]> = pixels.chunks(channels).collect();
    let total = rgba.len();
    let inked = rgba.iter().filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200).count();
    let red = rgba.iter().filter(|p| p[0] > 180 && p[1] < 80 && p[2] < 80).count();
    let blue = rgba.iter().filter(|p| p[2] > 120 && p[0] < 90 && p[1] < 130).count();
    assert!(inked * 100 > total, "the picture is (nearly) blank: {inked} inked pixels of {total}");
    assert!(red > 200, "the violation is not highlighted in red: {red} red pixels");
    assert!(blue > 100, "no broker call arrows: {blue} blue pixels");
}
