//! QR codes (ISO/IEC 18004) of otpauth URIs, for authenticator apps to scan: SVG for
//! web pages, PNG for files and e-mail, and a `data:image/png;base64,` URL as Stytch
//! returns in `qr_code`. Behind the `qr` feature.
//!
//! Encoding is the `qrcode` crate's, at error-correction level M (15% of the symbol
//! can be damaged, the usual choice for screens). PNG output is an 8-bit grey image
//! written by the `png` crate, 8 pixels per module with the 4-module quiet zone the
//! standard requires, which keeps this free of a general image library. The image
//! encodes the secret, so every function returns a secret wrapper.

use portcullis_core::{Base64, SecretBytes, SecretString};
use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

use crate::error::OtpError;
use crate::uri::KeyUri;

/// Pixels per module in PNG output.
pub const PNG_MODULE_PIXELS: usize = 8;
/// Quiet-zone width in modules (ISO/IEC 18004 section 6.3.8).
pub const QUIET_ZONE_MODULES: usize = 4;

fn encode(uri: &KeyUri) -> Result<QrCode, OtpError> {
    QrCode::with_error_correction_level(uri.to_uri().expose_secret().as_bytes(), EcLevel::M)
        .map_err(|_| OtpError::Qr("data too long"))
}

/// The QR code as a standalone SVG document.
///
/// ```
/// # use portcullis_otp::{KeyUri, OtpSecret, Totp, qr};
/// let uri = KeyUri::for_totp(&Totp::new(), OtpSecret::generate(), Some("ACME"), "ada")?;
/// let svg = qr::svg(&uri)?;
/// assert!(svg.expose_secret().starts_with("<?xml"));
/// # Ok::<(), portcullis_otp::OtpError>(())
/// ```
///
/// # Errors
/// [`OtpError::Qr`] when the URI is too long for a QR code.
pub fn svg(uri: &KeyUri) -> Result<SecretString, OtpError> {
    let code = encode(uri)?;
    Ok(SecretString::new(
        code.render::<svg::Color<'_>>()
            .quiet_zone(true)
            .min_dimensions(200, 200)
            .build(),
    ))
}

/// The QR code as PNG bytes.
///
/// # Errors
/// [`OtpError::Qr`] when the URI is too long or the encoder fails.
pub fn png(uri: &KeyUri) -> Result<SecretBytes, OtpError> {
    let code = encode(uri)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE_MODULES) * PNG_MODULE_PIXELS;
    let side32 = u32::try_from(side).map_err(|_| OtpError::Qr("image too large"))?;
    let mut pixels = zeroize::Zeroizing::new(vec![0xffu8; side * side]);
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (
            i % modules + QUIET_ZONE_MODULES,
            i / modules + QUIET_ZONE_MODULES,
        );
        for y in my * PNG_MODULE_PIXELS..(my + 1) * PNG_MODULE_PIXELS {
            let row = y * side;
            pixels[row + mx * PNG_MODULE_PIXELS..row + (mx + 1) * PNG_MODULE_PIXELS].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, side32, side32);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&pixels))
        .map_err(|_| OtpError::Qr("PNG encoding failed"))?;
    Ok(SecretBytes::new(out))
}

/// The PNG as a `data:image/png;base64,...` URL, ready for an `<img src>`.
///
/// # Errors
/// As [`png()`].
pub fn png_data_url(uri: &KeyUri) -> Result<SecretString, OtpError> {
    let png = png(uri)?;
    Ok(SecretString::new(format!(
        "data:image/png;base64,{}",
        Base64::Standard.encode(png.expose_secret())
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{OtpSecret, SecretPolicy};
    use crate::totp::Totp;

    fn uri() -> KeyUri {
        let secret =
            OtpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", SecretPolicy::Standard)
                .unwrap();
        KeyUri::for_totp(&Totp::new(), secret, Some("ACME Co"), "ada@example.com").unwrap()
    }

    /// Decodes the PNG with an independent QR reader and gets the URI back.
    #[test]
    fn png_decodes_to_the_uri() {
        let png = png(&uri()).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(png.expose_secret().to_vec()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0u8; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, ::png::ColorType::Grayscale);
        let (w, h) = (info.width as usize, info.height as usize);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri().to_uri().expose_secret());
    }

    #[test]
    fn svg_and_data_url() {
        let svg = svg(&uri()).unwrap();
        assert!(svg.expose_secret().contains("<svg"));
        assert!(svg.expose_secret().contains("<path"));
        let url = png_data_url(&uri()).unwrap();
        let b64 = url
            .expose_secret()
            .strip_prefix("data:image/png;base64,")
            .unwrap();
        let bytes = Base64::Standard.decode(b64).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn too_long_for_a_qr_code() {
        let secret = OtpSecret::from_bytes(
            portcullis_core::SecretBytes::from(vec![1u8; 128]),
            SecretPolicy::Standard,
        )
        .unwrap();
        let long = KeyUri::for_totp(
            &Totp::new(),
            secret,
            Some(&"é".repeat(256)),
            &"字".repeat(170),
        )
        .unwrap();
        assert_eq!(svg(&long).unwrap_err(), OtpError::Qr("data too long"));
    }
}
