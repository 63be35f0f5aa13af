//! What the supervisor tests share: a sink that records events and lets a
//! test wait for the ones it expects, and an opener that hands out
//! scripted transports.

use kentai_drivers::supervisor::{
    DeviceEvent, DeviceKind, DeviceSpec, DeviceState, Opener, Sink, SupervisorConfig,
};
use kentai_drivers::{Transport, TransportError};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Records every event the supervisor sends.
#[derive(Clone, Default)]
pub struct Recorder(Arc<(Mutex<Vec<DeviceEvent>>, Condvar)>);

impl Recorder {
    pub fn sink(&self) -> Sink {
        let inner = self.0.clone();
        Arc::new(move |event| {
            let (events, changed) = &*inner;
            events.lock().expect("recorder").push(event);
            changed.notify_all();
        })
    }

    pub fn events(&self) -> Vec<DeviceEvent> {
        self.0 .0.lock().expect("recorder").clone()
    }

    /// Waits until `done` holds for the events so far, or `limit` passes;
    /// returns the events either way.
    pub fn wait_until(
        &self,
        limit: Duration,
        done: impl Fn(&[DeviceEvent]) -> bool,
    ) -> Vec<DeviceEvent> {
        let (events, changed) = &*self.0;
        let end = Instant::now() + limit;
        let mut guard = events.lock().expect("recorder");
        while !done(&guard) {
            let now = Instant::now();
            if now >= end {
                break;
            }
            guard = changed.wait_timeout(guard, end - now).expect("recorder").0;
        }
        guard.clone()
    }
}

/// The scans of one device, as text.
pub fn frames_of(events: &[DeviceEvent], device: &str) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::Frame {
                device: d, frame, ..
            } if d == device => Some(String::from_utf8_lossy(&frame.bytes).into_owned()),
            _ => None,
        })
        .collect()
}

/// The framing error codes of one device.
pub fn errors_of(events: &[DeviceEvent], device: &str) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::Error {
                device: d, error, ..
            } if d == device => Some(error.code()),
            _ => None,
        })
        .collect()
}

/// The states one device went through.
pub fn states_of(events: &[DeviceEvent], device: &str) -> Vec<DeviceState> {
    events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::State {
                device: d, state, ..
            } if d == device => Some(*state),
            _ => None,
        })
        .collect()
}

/// Everything one device reported, in order, as short words: `frame X`,
/// `error CODE`, `state CODE`.
pub fn story_of(events: &[DeviceEvent], device: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.device() == device)
        .map(|e| match e {
            DeviceEvent::Frame { frame, .. } => {
                format!("frame {}", String::from_utf8_lossy(&frame.bytes))
            }
            DeviceEvent::Error { error, .. } => format!("error {}", error.code()),
            DeviceEvent::State { state, .. } => format!("state {}", state.code()),
        })
        .collect()
}

/// A fast configuration so tests do not wait on back-off.
pub fn quick() -> SupervisorConfig {
    SupervisorConfig {
        read_timeout: Duration::from_millis(10),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(80),
    }
}

/// A serial spec; with a test opener the path is just a name.
pub fn serial_spec(name: &str, path: &str) -> DeviceSpec {
    DeviceSpec::new(
        name,
        format!("station-{name}"),
        DeviceKind::Serial(kentai_drivers::serial::SerialSettings::new(path)),
    )
}

type Factory = Box<dyn Fn() -> Result<Box<dyn Transport>, TransportError> + Send>;

/// Hands each device the next transport queued for it; when its queue is
/// empty, `NotFound`. Records when each open happened.
#[derive(Default)]
pub struct ScriptedOpener {
    queues: Mutex<HashMap<String, VecDeque<Factory>>>,
    opens: Mutex<Vec<(String, Instant)>>,
}

impl ScriptedOpener {
    pub fn queue(
        &self,
        device: &str,
        open: impl Fn() -> Result<Box<dyn Transport>, TransportError> + Send + 'static,
    ) {
        self.queues
            .lock()
            .expect("opener")
            .entry(device.to_string())
            .or_default()
            .push_back(Box::new(open));
    }

    /// Queues a replay of this script.
    pub fn queue_script(&self, device: &str, script: &'static str) {
        self.queue(device, move || {
            let replay = kentai_drivers::fake::ReplayTransport::from_script(script)
                .expect("test script parses");
            Ok(Box::new(replay) as Box<dyn Transport>)
        });
    }

    pub fn opens_of(&self, device: &str) -> Vec<Instant> {
        self.opens
            .lock()
            .expect("opener")
            .iter()
            .filter(|(d, _)| d == device)
            .map(|(_, t)| *t)
            .collect()
    }
}

impl Opener for ScriptedOpener {
    fn open(&self, spec: &DeviceSpec) -> Result<Box<dyn Transport>, TransportError> {
        self.opens
            .lock()
            .expect("opener")
            .push((spec.name.clone(), Instant::now()));
        let next = self
            .queues
            .lock()
            .expect("opener")
            .get_mut(&spec.name)
            .and_then(|q| q.pop_front());
        match next {
            Some(open) => open(),
            None => Err(TransportError::NotFound(format!(
                "{} is unplugged",
                spec.name
            ))),
        }
    }
}
