//! The grey raster every PNG document is drawn on: white pages, black
//! rectangles, module grids, Code 128 bars and bitmap-font text, written as
//! an 8-bit greyscale PNG that records its resolution.

use super::font::{glyph, GLYPH_ADVANCE, GLYPH_HEIGHT};
use super::matrix::{Matrix, PrintError};

/// An 8-bit grey image (0 black, 255 white), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// A white image.
    pub fn white(width: usize, height: usize) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![255; width * height],
        }
    }

    /// Blackens a rectangle, clipped to the image.
    pub fn fill(&mut self, x: usize, y: usize, width: usize, height: usize) {
        let x_end = (x + width).min(self.width);
        let y_end = (y + height).min(self.height);
        for row in y.min(y_end)..y_end {
            let start = row * self.width;
            self.pixels[start + x.min(x_end)..start + x_end].fill(0);
        }
    }

    /// A matrix with each module a `module`-pixel square.
    pub fn draw_matrix(&mut self, matrix: &Matrix, x: usize, y: usize, module: usize) {
        for row in 0..matrix.height {
            for col in 0..matrix.width {
                if matrix.get(col, row) {
                    self.fill(x + col * module, y + row * module, module, module);
                }
            }
        }
    }

    /// A row of Code 128 modules, each `module` pixels wide, `height` tall.
    pub fn draw_bars(
        &mut self,
        modules: &[bool],
        x: usize,
        y: usize,
        module: usize,
        height: usize,
    ) {
        for (i, &dark) in modules.iter().enumerate() {
            if dark {
                self.fill(x + i * module, y, module, height);
            }
        }
    }

    /// ASCII text in the bitmap font with its top-left at (x, y), each font
    /// pixel a `scale`-pixel square; other characters are drawn as `?`.
    pub fn draw_text(&mut self, text: &str, x: usize, y: usize, scale: usize) {
        for (i, c) in text.chars().enumerate() {
            let glyph = glyph(c);
            let left = x + i * GLYPH_ADVANCE * scale;
            for (col, bits) in glyph.iter().enumerate() {
                for row in 0..GLYPH_HEIGHT {
                    if bits & (1 << row) != 0 {
                        self.fill(left + col * scale, y + row * scale, scale, scale);
                    }
                }
            }
        }
    }

    /// An 8-bit greyscale PNG whose pHYs chunk records `dpi`, so image
    /// viewers and print dialogs know its physical size.
    pub fn to_png(&self, dpi: u32) -> Result<Vec<u8>, PrintError> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
            let mut writer = encoder
                .write_header()
                .map_err(|e| PrintError::Png(e.to_string()))?;
            writer
                .write_image_data(&self.pixels)
                .map_err(|e| PrintError::Png(e.to_string()))?;
            writer
                .finish()
                .map_err(|e| PrintError::Png(e.to_string()))?;
        }
        Ok(out)
    }
}

/// Pixels per millimetre at `dpi`.
pub fn per_mm(dpi: u32) -> f64 {
    f64::from(dpi) / 25.4
}

/// A length in millimetres as whole pixels at `dpi`.
pub fn px(mm: f64, dpi: u32) -> usize {
    (mm * per_mm(dpi)).round().max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::font::{bitmap_scale, GLYPH_LINE};

    #[test]
    fn bitmap_text_is_drawn_inside_its_cells() {
        let mut image = Gray::white(GLYPH_ADVANCE * 2 * 3, GLYPH_LINE * 3);
        image.draw_text("I.", 0, 0, 3);
        let dark = image.pixels.iter().filter(|p| **p == 0).count();
        // I: 7 + 2 + 2 font pixels; '.': 4.
        assert_eq!(dark, (7 + 2 + 2 + 4) * 9);
        assert_eq!(bitmap_scale("ABCD", 24 * 3, 5), Some(3));
        assert_eq!(bitmap_scale("ABCD", 10, 5), None);
    }
}
