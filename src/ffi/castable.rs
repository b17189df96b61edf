//! The one typed way from an opaque C pointer to the Rust value behind it (after
//! rustls-ffi's `Castable`). Each opaque C type names its Rust type once, with
//! `impl Castable`; every allocation handed to the host, every borrow of a host's
//! pointer and every free goes through the functions here, so no other file casts a
//! pointer between types.

use super::guard::Failure;

/// An opaque C type whose pointers point at a boxed `Self::Rust`.
pub(crate) trait Castable {
    /// The Rust value behind a pointer to `Self`.
    type Rust;
}

/// Moves `value` to the heap and gives its pointer to the host, which owns it until it
/// passes it to the matching `gspnp_*_free` (that calls [`free`]).
pub(crate) fn into_c<C: Castable>(value: C::Rust) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// Borrows the value behind a pointer the host passed as `argument`; NULL gives
/// GSPNP_STATUS_NULL_PARAMETER naming it. The host's contract (see the header) is that
/// a non-NULL pointer came from [`into_c`] for the same type and is not freed yet.
pub(crate) fn borrow<'a, C: Castable>(pointer: *const C, argument: &str) -> Result<&'a C::Rust, Failure> {
    // SAFETY: NULL is refused by as_ref; any other pointer is a live C::Rust from
    // into_c, by the host's contract.
    unsafe { pointer.cast::<C::Rust>().as_ref() }.ok_or_else(|| Failure::null(argument))
}

/// Like [`borrow`], mutably: for objects the header says are not shared between
/// threads (configs, profiles) while the host changes them.
pub(crate) fn borrow_mut<'a, C: Castable>(pointer: *mut C, argument: &str) -> Result<&'a mut C::Rust, Failure> {
    // SAFETY: as in borrow; the host does not use the object from two threads at once.
    unsafe { pointer.cast::<C::Rust>().as_mut() }.ok_or_else(|| Failure::null(argument))
}

/// Drops the value behind a pointer from [`into_c`]; NULL is a no-op. The host frees
/// each pointer once (a second free is undefined behaviour, as documented).
pub(crate) fn free<C: Castable>(pointer: *mut C) {
    if pointer.is_null() {
        return;
    }
    // SAFETY: non-NULL, from into_c for this type, freed once (the host's contract).
    drop(unsafe { Box::from_raw(pointer.cast::<C::Rust>()) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(non_camel_case_types)]
    struct gspnp_thing {
        _private: [u8; 0],
    }

    impl Castable for gspnp_thing {
        type Rust = String;
    }

    #[test]
    fn a_value_given_to_c_is_borrowed_changed_and_freed_through_its_c_type() {
        let pointer: *mut gspnp_thing = into_c("phone".to_string());
        borrow_mut(pointer, "thing").unwrap().push('s');
        assert_eq!(borrow(pointer, "thing").unwrap(), "phones");
        free(pointer);
        free(std::ptr::null_mut::<gspnp_thing>());
        let failure = borrow(std::ptr::null::<gspnp_thing>(), "thing").unwrap_err();
        assert_eq!(failure.message, "argument `thing` is NULL");
    }
}
