//! Where the networks run: `control.sac.device`, one of
//!
//! - `"auto"` (the default): the GPU backend this build has (CUDA, else wgpu), else the
//!   CPU;
//! - `"cpu"`: burn's `flex` CPU backend (always built);
//! - `"cuda"` or `"cuda:N"`: NVIDIA GPU N (default 0), in a build with the `cuda` feature
//!   (`cargo build --release --features sac-cuda` for the `qbattery` command);
//! - `"wgpu"`: the first GPU wgpu finds (Vulkan, Metal, DirectX 12), in a build with the
//!   `wgpu` feature (`--features sac-wgpu`).
//!
//! A run is reproducible from its seed on one device; the same seed on another device
//! gives other numbers (other kernels, other summation orders).

use std::fmt;
use std::str::FromStr;

use burn::prelude::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The `control.sac.device` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Accelerator {
    #[default]
    Auto,
    Cpu,
    Cuda(usize),
    Wgpu,
}

impl FromStr for Accelerator {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || {
            format!("{s:?} is not a device: must be \"auto\", \"cpu\", \"cuda\", \"cuda:N\" or \"wgpu\"")
        };
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda(0)),
            "wgpu" => Ok(Self::Wgpu),
            _ => match s.strip_prefix("cuda:") {
                Some(n) => n.parse().map(Self::Cuda).map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }
}

impl fmt::Display for Accelerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Cpu => f.write_str("cpu"),
            Self::Cuda(0) => f.write_str("cuda"),
            Self::Cuda(n) => write!(f, "cuda:{n}"),
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
            Self::Auto if cfg!(feature = "cuda") => Self::Cuda(0),
            Self::Auto if cfg!(feature = "wgpu") => Self::Wgpu,
            Self::Auto => Self::Cpu,
            other => other,
        }
    }

    /// burn's device (without autodiff), or an error naming the build feature it needs.
    pub fn device(self) -> Result<Device> {
        match self.resolved() {
            Self::Cpu | Self::Auto => Ok(Device::flex()),
            #[cfg(feature = "cuda")]
            Self::Cuda(n) => Ok(Device::cuda(n)),
            #[cfg(not(feature = "cuda"))]
            Self::Cuda(_) => self.missing("cuda"),
            #[cfg(feature = "wgpu")]
            Self::Wgpu => Ok(Device::wgpu(Default::default())),
            #[cfg(not(feature = "wgpu"))]
            Self::Wgpu => self.missing("wgpu"),
        }
    }

    #[cfg(not(all(feature = "cuda", feature = "wgpu")))]
    fn missing(self, feature: &str) -> Result<Device> {
        Err(Error::Settings(format!(
            "control.sac.device = \"{self}\" needs a build with the {feature} feature \
             (the qbattery command: cargo build --release --features sac-{feature}); \
             use \"cpu\" or \"auto\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_print_and_resolve() {
        for text in ["auto", "cpu", "cuda", "cuda:2", "wgpu"] {
            let a: Accelerator = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        for text in ["gpu", "cuda:", "cuda:x", ""] {
            let e = text.parse::<Accelerator>().unwrap_err();
            assert!(e.contains("\"cuda:N\""), "{e}");
        }
        assert!(Accelerator::Cpu.device().is_ok());
        if !cfg!(feature = "cuda") {
            let e = Accelerator::Cuda(0).device().unwrap_err().to_string();
            assert!(
                e.contains("sac-cuda") && e.contains("control.sac.device"),
                "{e}"
            );
        }
        if !cfg!(any(feature = "cuda", feature = "wgpu")) {
            assert_eq!(Accelerator::Auto.resolved(), Accelerator::Cpu);
        }
    }
}
