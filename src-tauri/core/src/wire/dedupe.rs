//! Remembers recently seen SQS MessageIds: SQS delivers at least once, so a message whose
//! delete was lost comes back after its visibility timeout and must not show twice.

use std::collections::{HashSet, VecDeque};

#[derive(Debug)]
pub struct SeenMessages {
    capacity: usize,
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl SeenMessages {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::with_capacity(capacity),
            ids: HashSet::with_capacity(capacity),
        }
    }

    /// Records `id`; false when it was already seen.
    pub fn first_time(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.ids.insert(id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_id_is_reported_once_and_old_ids_age_out() {
        let mut seen = SeenMessages::new(2);
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("a"));
        assert!(seen.first_time("b"));
        assert!(seen.first_time("c"));
        assert!(seen.first_time("a"), "a aged out of a window of two");
        assert!(!seen.first_time("c"));
    }
}
