//! Where the networks run: `control.sac.device`, one of
//!
//! - `"auto"` (the default): the GPU backend when the build has it, else the CPU;
//! - `"cpu"`: burn's `flex` CPU backend (always built);
//! - `"wgpu"`: the first GPU wgpu finds (Vulkan, which NVIDIA's driver provides, Metal,
//!   DirectX 12), in a build with the `wgpu` feature (`cargo build --release --features
//!   sac-wgpu` for the `qbattery` command).
//!
//! burn's CUDA backend is not offered: its build script (`tracel-llvm-bundler`, through
//! `cubecl-cuda`) downloads an LLVM bundle from outside the package registries, which
//! fails offline (checked 2026-12-04: "failed to lookup address information").
//!
//! A run is reproducible from its seed on one device; the same seed on another device
//! gives other numbers (other kernels, other summation orders).

use std::fmt;
use std::str::FromStr;

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

use crate::Result;

/// The `control.sac.device` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Accelerator {
    #[default]
    Auto,
    Cpu,
    Wgpu,
}

impl FromStr for Accelerator {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "wgpu" => Ok(Self::Wgpu),
            _ => Err(format!(
                "{s:?} is not a device: must be \"auto\", \"cpu\" or \"wgpu\""
            )),
        }
    }
}

impl fmt::Display for Accelerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Cpu => f.write_str("cpu"),
            Self::Wgpu => f.write_str("wgpu"),
        }
    }
}

impl TryFrom<String> for Accelerator {
    type Error = String;

    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse()
    }
}

impl From<Accelerator> for String {
    fn from(a: Accelerator) -> Self {
        a.to_string()
    }
}

impl Accelerator {
    /// The backend `auto` stands for in this build, and any other setting unchanged.
    pub fn resolved(self) -> Self {
        match self {
            Self::Auto if cfg!(feature = "wgpu") => Self::Wgpu,
            Self::Auto => Self::Cpu,
            other => other,
        }
    }

    /// burn's device (without autodiff), or an error naming the build feature it needs.
    pub fn device(self) -> Result<Device> {
        match self.resolved() {
            Self::Cpu | Self::Auto => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => Ok(Device::wgpu(Default::default())),
            #[cfg(not(feature = "wgpu"))]
            Self::Wgpu => Err(crate::Error::Settings(format!(
                "control.sac.device = \"{self}\" needs a build with the wgpu feature \
                 (the qbattery command: cargo build --release --features sac-wgpu); \
                 use \"cpu\" or \"auto\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_print_and_resolve() {
        for text in ["auto", "cpu", "wgpu"] {
            let a: Accelerator = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        for text in ["gpu", "cuda", ""] {
            let e = text.parse::<Accelerator>().unwrap_err();
            assert!(e.contains("\"wgpu\""), "{e}");
        }
        assert!(Accelerator::Cpu.device().is_ok());
        if !cfg!(feature = "wgpu") {
            let e = Accelerator::Wgpu.device().unwrap_err().to_string();
            assert!(
                e.contains("sac-wgpu") && e.contains("control.sac.device"),
                "{e}"
            );
            assert_eq!(Accelerator::Auto.resolved(), Accelerator::Cpu);
        }
    }
}
