//! The day's tickets of the memory backend, by number. A day gives its numbers in order
//! from 1 and never removes a ticket, so a ticket's place is its number: a take appends,
//! a lookup is an index, not a search. The tickets are kept in blocks of a fixed size, so
//! that a day that grows never moves the tickets it holds (no copy of the whole day, under
//! the day's lock, each time it doubles).

use crate::error::{Error, Result};
use crate::model::{Ticket, TicketNumber};

/// Tickets per block.
const BLOCK: usize = 512;

/// The tickets of one day, numbers 1 to `len()`.
#[derive(Debug, Default)]
pub(super) struct Tickets {
    blocks: Vec<Vec<Ticket>>,
    len: usize,
}

impl Tickets {
    fn place(n: TicketNumber) -> Option<(usize, usize)> {
        let i = usize::try_from(n.get()).ok()?.checked_sub(1)?;
        Some((i / BLOCK, i % BLOCK))
    }

    /// Ticket `n`, if the day gave it.
    pub(super) fn get(&self, n: &TicketNumber) -> Option<&Ticket> {
        let (b, i) = Self::place(*n)?;
        self.blocks.get(b)?.get(i)
    }

    /// Ticket `n`, to change it.
    pub(super) fn get_mut(&mut self, n: &TicketNumber) -> Option<&mut Ticket> {
        let (b, i) = Self::place(*n)?;
        self.blocks.get_mut(b)?.get_mut(i)
    }

    /// Adds the day's next ticket: its number must follow the last one's.
    pub(super) fn push(&mut self, t: Ticket) -> Result<()> {
        if t.number.get() != self.len as u64 + 1 {
            return Err(Error::corrupt(
                format!("ticket:{}", t.number),
                format!("ticket {} made after ticket {}", t.number, self.len),
            ));
        }
        match self.blocks.last_mut() {
            Some(block) if block.len() < BLOCK => block.push(t),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(t);
                self.blocks.push(block);
            }
        }
        self.len += 1;
        Ok(())
    }

    /// How many tickets the day gave.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Whether the day gave no ticket.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The tickets in number order.
    pub(super) fn values(&self) -> impl Iterator<Item = &Ticket> {
        self.blocks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Service;
    use chrono::Utc;

    fn ticket(n: u64) -> Ticket {
        Ticket::waiting(
            TicketNumber::new(n).unwrap(),
            Service::default(),
            n.to_string(),
            None,
            Utc::now(),
        )
    }

    #[test]
    fn tickets_are_found_by_number_across_blocks() {
        let mut t = Tickets::default();
        assert!(t.is_empty());
        let last = (BLOCK * 2 + 3) as u64;
        for n in 1..=last {
            t.push(ticket(n)).unwrap();
        }
        assert_eq!(t.len(), last as usize);
        for n in [1, BLOCK as u64, BLOCK as u64 + 1, last] {
            assert_eq!(
                t.get(&TicketNumber::new(n).unwrap()).unwrap().label,
                n.to_string()
            );
        }
        assert!(t.get(&TicketNumber::new(last + 1).unwrap()).is_none());
        let n = TicketNumber::new(BLOCK as u64 + 1).unwrap();
        t.get_mut(&n).unwrap().recalls = 2;
        assert_eq!(t.get(&n).unwrap().recalls, 2);
        let numbers: Vec<u64> = t.values().map(|t| t.number.get()).collect();
        assert_eq!(numbers, (1..=last).collect::<Vec<_>>());
    }

    #[test]
    fn a_ticket_out_of_order_is_refused_and_changes_nothing() {
        let mut t = Tickets::default();
        t.push(ticket(1)).unwrap();
        for wrong in [1, 3] {
            assert!(matches!(t.push(ticket(wrong)), Err(Error::Corrupt { .. })));
        }
        assert_eq!(t.len(), 1);
        t.push(ticket(2)).unwrap();
        assert_eq!(t.len(), 2);
    }
}
